"""The benchmark of issue 9: the running system against the bare-pipeline ceiling, measured in the
same run on the same Kafka and PostgreSQL. ``uv run python -m bench --help``; see docs/benchmark.md."""
