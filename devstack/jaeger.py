"""Jaeger v2 on demand: a real OpenTelemetry trace collector and store (OTLP in, traces in memory,
Jaeger's query API out) for the tests that follow one trace across the services.

No Docker here and no prebuilt binary may be fetched: the binary is built from the Go module proxy
the first time (stack/jaeger/go.mod pins the release; a few minutes on an idle machine, kept in
the devstack cache) and started on free loopback ports with a configuration of our own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from devstack.paths import StackPaths, project_root
from devstack.ports import HOST, free_port
from devstack.procs import ProcessInfo, StartupError, log_tail, process_info, start_logged, terminate, wait_until

JAEGER_RELEASE = "v1.75.0"  # Jaeger v2.12 (the Go module keeps the v1 numbering); stack/jaeger/go.mod
BUILD_TIMEOUT_S = 3600


class JaegerUnavailable(RuntimeError):
    """No Go toolchain to build Jaeger with."""


def binary_path(paths: StackPaths) -> Path:
    return paths.cache_root / f"jaeger-{JAEGER_RELEASE}" / "jaeger"


def ensure_binary(paths: StackPaths, log_path: Path) -> Path:
    """The Jaeger binary, built first when missing."""
    binary = binary_path(paths)
    if binary.exists():
        return binary
    go = shutil.which("go")
    if go is None:
        raise JaegerUnavailable("building Jaeger needs Go (https://go.dev/doc/install)")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        subprocess.run(
            [go, "install", "tool"],
            cwd=project_root() / "stack" / "jaeger",
            env={**os.environ, "GOBIN": str(binary.parent), "GOFLAGS": "-trimpath"},
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=BUILD_TIMEOUT_S,
        )
    return binary


def config(otlp_http: int, otlp_grpc: int, query: int) -> dict[str, Any]:
    """All-in-one: OTLP receivers, memory storage, the query API; no telemetry port of its own."""
    return {
        "service": {
            "extensions": ["jaeger_storage", "jaeger_query"],
            "pipelines": {
                "traces": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["jaeger_storage_exporter"]}
            },
            "telemetry": {"metrics": {"level": "none"}, "logs": {"level": "info"}},
        },
        "extensions": {
            "jaeger_storage": {"backends": {"memstore": {"memory": {"max_traces": 100000}}}},
            "jaeger_query": {
                "storage": {"traces": "memstore"},
                "http": {"endpoint": f"{HOST}:{query}"},
                "grpc": {"endpoint": f"{HOST}:{free_port()}"},
            },
        },
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"{HOST}:{otlp_grpc}"},
                    "http": {"endpoint": f"{HOST}:{otlp_http}"},
                }
            }
        },
        "processors": {"batch": {"timeout": "200ms"}},
        "exporters": {"jaeger_storage_exporter": {"trace_storage": "memstore"}},
    }


class Jaeger:
    """``with Jaeger(paths) as jaeger:`` ... ``jaeger.otlp_endpoint``, ``jaeger.trace(trace_id)``."""

    def __init__(self, paths: StackPaths, workdir: Path | None = None) -> None:
        self.paths = paths
        self.workdir = workdir or paths.stack_dir / "jaeger"
        self.log_path = self.workdir / "jaeger.log"
        self.otlp_http, self.otlp_grpc, self.query = free_port(), free_port(), free_port()
        self.process: ProcessInfo | None = None

    @property
    def otlp_endpoint(self) -> str:
        """The OTLP/HTTP base URL (OMS_OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT)."""
        return f"http://{HOST}:{self.otlp_http}"

    def start(self, timeout: float = 60.0) -> None:
        binary = ensure_binary(self.paths, self.log_path)
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_file = self.workdir / "config.json"  # JSON is YAML
        config_file.write_text(json.dumps(config(self.otlp_http, self.otlp_grpc, self.query)))
        # Detached: a process group of its own, which stop() may end whole.
        proc = start_logged([str(binary), "--config", str(config_file)], self.log_path, cwd=self.workdir, detached=True)
        self.process = process_info(proc.pid)
        if not wait_until(self.is_healthy, timeout, 0.5):
            self.stop()
            raise StartupError(f"jaeger not healthy after {timeout:.0f}s:\n{log_tail(self.log_path)}")

    def stop(self) -> None:
        terminate(self.process, grace=10)
        self.process = None

    def is_healthy(self) -> bool:
        try:
            return self._get("/api/services") is not None
        except OSError:
            return False

    def trace(self, trace_id: str) -> dict[str, Any] | None:
        """The trace as Jaeger's query API gives it (spans, processes), or None while unknown."""
        found = self._get(f"/api/traces/{trace_id}")
        data = (found or {}).get("data") or []
        return data[0] if data else None

    def _get(self, path: str) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{self.query}{path}", timeout=5) as response:
                loaded: dict[str, Any] = json.loads(response.read())
                return loaded
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    def __enter__(self) -> Jaeger:
        self.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
