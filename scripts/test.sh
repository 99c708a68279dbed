#!/usr/bin/env bash
# The whole test suite, as CI runs it: static checks, then unit, contract, integration and
# end-to-end tests against a real Kafka, PostgreSQL and SMTP sink (self-provisioned unless
# OMS_KAFKA_BOOTSTRAP, OMS_PG_DSN, OMS_SMTP_HOST and OMS_SMTP_PORT point elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite starts a few hundred Python processes (services, `csr`, devstack commands). Compiling
# every module from source in each (PYTHONDONTWRITEBYTECODE, set by some images) costs about 1.5 s
# of CPU per start: keep the bytecode, in build/ so the checkout and the environment stay clean.
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-$PWD/build/pycache}"
scripts/bootstrap.sh

echo "== static checks"
uv run ruff check .
uv run ruff format --check .
uv run mypy
uv run lint-imports
uv run python scripts/gen_docs.py --check
# The Go programs, formatted, vetted and tested: the conformance client (its sealing checked against
# the published test vectors, docs/conformance.md; its end-to-end run is
# tests/e2e/test_conformance_go.py) and the deployment files' check (ops/check: broken compose
# files, rules and configurations it must refuse).
for module in conformance/go ops/check; do
  (cd "$module" && unformatted="$(gofmt -l .)" && { [ -z "$unformatted" ] || { echo "gofmt: $unformatted" >&2; exit 1; }; } && go vet ./... && go test ./...)
done
# No Docker engine in CI: docker-compose.yml (every profile) and Prometheus's files are checked by
# the loaders Docker Compose and Prometheus use (docs/operations.md, "Observability stack").
build/bin/oms-opscheck

echo "== stack"
uv run python -m devstack up

echo "== tests"
uv run pytest --durations=25 "$@"
