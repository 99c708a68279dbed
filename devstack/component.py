"""The shape every piece of the stack has: start, stop, is it running, is it healthy."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from devstack.paths import StackPaths
from devstack.procs import ProcessInfo, StartupError, is_alive, log_tail, wait_until
from devstack.state import StackState


class Component(ABC):
    """One background process of the stack whose facts live in StackState."""

    name: str

    def __init__(self, paths: StackPaths, state: StackState) -> None:
        self.paths = paths
        self.state = state

    @property
    def log_path(self) -> Path:
        return self.paths.log(self.name)

    @property
    @abstractmethod
    def process(self) -> ProcessInfo | None: ...

    @abstractmethod
    def start(self) -> None:
        """Start and block until healthy, or raise StartupError."""

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def is_healthy(self) -> bool:
        """A real protocol round trip, not just an open port."""

    @abstractmethod
    def env(self) -> dict[str, str]:
        """Endpoint variables for clients (empty when never started)."""

    def is_running(self) -> bool:
        return is_alive(self.process)

    def ensure(self) -> bool:
        """Reuse a healthy running instance, else (re)start. True if started."""
        if self.is_running() and wait_until(self.is_healthy, timeout=5.0, interval=0.5):
            return False
        self.stop()
        self.start()
        return True

    def restart(self) -> None:
        self.stop()
        self.start()

    def wait_healthy(self, timeout: float, interval: float = 0.25) -> None:
        """Wait for health, failing fast (with the log tail) if the process dies."""

        def ready() -> bool:
            if not self.is_running():
                raise self.failure("exited during startup")
            return self.is_healthy()

        if not wait_until(ready, timeout, interval):
            raise self.failure(f"not healthy after {timeout:.0f}s")

    def failure(self, what: str) -> StartupError:
        return StartupError(f"{self.name} {what}; last lines of {self.log_path}:\n{log_tail(self.log_path)}")
