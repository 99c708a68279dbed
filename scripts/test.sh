#!/usr/bin/env bash
# The whole test suite, as CI runs it: static checks, then unit, contract, integration and
# end-to-end tests against a real Kafka, PostgreSQL and SMTP sink (self-provisioned unless
# OMS_KAFKA_BOOTSTRAP, OMS_PG_DSN, OMS_SMTP_HOST and OMS_SMTP_PORT point elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

echo "== static checks"
uv run ruff check .
uv run ruff format --check .
uv run mypy
uv run lint-imports
uv run python scripts/gen_docs.py --check

echo "== stack"
uv run python -m devstack up

echo "== tests"
uv run pytest --durations=25 "$@"
