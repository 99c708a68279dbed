# The project's commands. `make demo` and `make test` are the two the README starts with.
.PHONY: setup demo up down status test unit e2e lint docs docs-site bench bench-quick

setup:            ## install everything the project needs (idempotent)
	scripts/bootstrap.sh

demo: setup       ## start Kafka, PostgreSQL, the SMTP sink and the three services, then run the demo call
	uv run python -m devstack up --services
	uv run csr demo

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

lint:
	uv run ruff check . && uv run ruff format --check . && uv run mypy && uv run lint-imports

docs:             ## regenerate JSON Schemas and AsyncAPI documents from code
	uv run python scripts/gen_docs.py

docs-site:        ## the AsyncAPI documents as web pages in build/asyncapi/ (serve: uv run csr docs --serve)
	uv run python scripts/build_asyncapi_site.py

bench:            ## the benchmark at full scale (issue 9): report in build/bench/ (see docs/benchmark.md)
	uv run python -m bench

bench-quick:      ## the benchmark on small data, for a first look
	uv run python -m bench --quick
