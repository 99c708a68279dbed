# The project's commands. `make demo` and `make test` are the two the README starts with.
.PHONY: setup demo up down status test unit e2e faults security audit bench bench-quick lint docs docs-site

setup:            ## install everything the project needs (idempotent)
	scripts/bootstrap.sh

demo: setup       ## start Keycloak, Kafka, PostgreSQL, the SMTP sink and the three services, then run the demo call
	uv run python -m devstack up --services
	# Kafka authenticates the terminal: as the dev realm's CSR alice (docs/security.md).
	OMS_OIDC_USERNAME=alice OMS_OIDC_PASSWORD=alice-dev uv run csr demo

up: setup         ## start the stack and the services in the background
	uv run python -m devstack up --services

down:             ## stop everything
	uv run python -m devstack down

status:
	uv run python -m devstack status

test:             ## the full suite, as CI runs it
	scripts/test.sh

unit:             ## fast tests only (no stack)
	uv run pytest tests/unit tests/contracts -q

e2e:
	uv run pytest tests/e2e -q

faults: setup     ## faults under load at full size, on a private stack in .stack-faults (reports/faults.json)
	OMS_STACK_DIR=$(CURDIR)/.stack-faults uv run python -m reliability.faults --size full --report reports/faults.json

lint:
	uv run ruff check . && uv run ruff format --check . && uv run mypy && uv run lint-imports

audit:            ## known vulnerabilities in the locked dependencies (pip-audit; fails when it cannot check)
	mkdir -p build
	uv export --frozen --no-hashes --no-emit-project --no-emit-workspace > build/requirements-audit.txt  # contracts/ is ours, not a dependency to audit
	uvx pip-audit -r build/requirements-audit.txt --disable-pip --no-deps --strict  # the export pins every dependency, transitive ones included

security:         ## hostile input, role matrix and secrets scan, end to end (docs/security.md)
	uv run pytest tests/e2e/test_hostile_input.py tests/e2e/test_security_role_matrix.py tests/e2e/test_zz_secrets_scan.py -q

docs:             ## regenerate JSON Schemas and AsyncAPI documents from code
	uv run python scripts/gen_docs.py

docs-site:        ## the AsyncAPI documents as web pages in build/asyncapi/ (serve: uv run csr docs --serve)
	uv run python scripts/build_asyncapi_site.py

bench:            ## the benchmark at full scale (issue 9): report in build/bench/ (see docs/benchmark.md)
	uv run python -m bench

bench-quick:      ## the benchmark on small data, for a first look
	uv run python -m bench --quick
