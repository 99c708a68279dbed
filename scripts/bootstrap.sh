#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: uv and the locked Python environment,
# a JDK and Maven for Kafka's jars and Keycloak's distribution (both fetched from Maven Central by
# devstack on first start; Keycloak 26.7 runs on Java 17, Debian 12's JDK, so no other is needed),
# PostgreSQL's server binaries, and Chromium for the tests of the AsyncAPI web pages. Safe to run again: it only installs what is missing.
# Then builds the Go conformance client and the deployment files' check (Go itself must be installed).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: $*; install them (as root: apt-get install $*)" >&2
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need=()
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  need+=(postgresql)
fi
# Headless Chromium opens the AsyncAPI web pages in the end-to-end tests.
command -v chromium >/dev/null || need+=(chromium chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt_install "${need[@]}"
fi

if ! command -v uv >/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check "uv>=0.5"
fi
uv sync --frozen --quiet

# The conformance client (docs/conformance.md): a Go program written from the published docs
# alone, run by tests/e2e/test_conformance_go.py. Go is part of the machine, not installed here;
# without it the client cannot be built and its test cannot run, so say so now, not mid-suite.
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
if ! command -v go >/dev/null; then
  echo "Go is missing: the conformance client in conformance/go needs the version its go.mod names (https://go.dev/doc/install)" >&2
  exit 1
fi
(cd conformance/go && go build -o ../../build/bin/oms-conformance ./cmd/oms-conformance)
# The deployment files' check (ops/check): docker-compose.yml as `docker compose config` loads it,
# Prometheus's configuration and alert rules as Prometheus does; run by scripts/test.sh, since CI
# has no Docker engine to try them. A cold build takes about a minute of CPU (compose-go, rulefmt
# with PromQL, and Prometheus's config package, which brings the cloud SDKs of its remote-write
# authentication along).
(cd ops/check && go build -o ../../build/bin/oms-opscheck .)

# stripe-mock, Stripe's own API mock (the card provider in tests and the dev stack), built from the
# Go module proxy into the stack's cache once per version; devstack/stripe_mock.py names the version.
stripe_mock_version=v0.203.0
cache_bin="${OMS_STACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/csr-oms}/bin"
stamp="$cache_bin/.stripe-mock-$stripe_mock_version"
if [ ! -x "$cache_bin/stripe-mock" ] || [ ! -e "$stamp" ]; then
  echo "building stripe-mock $stripe_mock_version into $cache_bin"
  mkdir -p "$cache_bin"
  GOBIN="$cache_bin" go install "github.com/stripe/stripe-mock@$stripe_mock_version"
  rm -f "$cache_bin"/.stripe-mock-* && touch "$stamp"
fi
