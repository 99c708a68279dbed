"""How the harness records a fault and brings a service back: the record of one fault (when it was
done, removed, recovered from), and the supervisor the harness plays for the services it kills or
arms with a crash point. Shared by the injector's faults and the instance faults."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from devstack.service_process import ServiceProcess
from reliability.fault_points import CRASH_EXIT_CODE, fault_env


@dataclass
class FaultRecord:
    kind: str
    detail: str
    started_at: float
    restored_at: float | None = None
    recovered_at: float | None = None
    triggered: bool = True
    note: str = ""

    @property
    def recovery_s(self) -> float | None:
        """From the moment the fault was removed until every affected service answered again."""
        if self.restored_at is None or self.recovered_at is None:
            return None
        return self.recovered_at - self.restored_at

    def as_dict(self, origin: float) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "detail": self.detail,
            "at_s": round(self.started_at - origin, 1),
            "outage_s": round((self.restored_at or self.started_at) - self.started_at, 1),
            "recovery_s": None if self.recovery_s is None else round(self.recovery_s, 1),
            "triggered": self.triggered,
            "note": self.note,
        }


# A service that cannot reach Kafka or PostgreSQL while it starts exits (code 3), as it should: its
# supervisor starts it again. The harness plays that supervisor, because the overlapping faults
# restart a service while the broker or the database is down on purpose.
SUPERVISOR_RETRY_S = 1.0
SUPERVISOR_PATIENCE_S = 300.0


async def supervised_start(process: ServiceProcess) -> None:
    """Start ``process`` and wait for /health, starting it again whenever it exits on the way."""
    deadline = time.monotonic() + SUPERVISOR_PATIENCE_S
    while True:
        await asyncio.to_thread(process.start)
        try:
            await asyncio.to_thread(process.wait_healthy)
            return
        except RuntimeError:  # exited while starting
            if time.monotonic() >= deadline:
                raise
            say_restart(process)
            await asyncio.sleep(SUPERVISOR_RETRY_S)


async def armed_until_crash(process: ServiceProcess, point: str, wait_s: float) -> bool:
    """Run ``process`` armed with a crash point until it dies there (True) or ``wait_s`` passes
    (False, still running). Not waiting for /health first: work left over from the kill can reach
    the point before the first probe answers (a CI run saw the crash 60 ms after startup). An exit
    with another code is a failed start: started again, armed, like any supervisor would."""
    deadline = time.monotonic() + wait_s
    while True:
        await asyncio.to_thread(process.start, fault_env(point))
        assert process.proc is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(process.proc.wait, max(deadline - time.monotonic(), 0.1))
        if process.running():
            return False
        if process.proc.returncode == CRASH_EXIT_CODE:
            return True
        if time.monotonic() >= deadline:
            code = process.proc.returncode
            raise RuntimeError(f"{process.name} armed with {point} exited {code}:\n{process.log_tail()}")
        say_restart(process)
        await asyncio.sleep(SUPERVISOR_RETRY_S)


def say_restart(process: ServiceProcess) -> None:
    code = process.proc.returncode if process.proc else None
    print(
        f"[{time.strftime('%H:%M:%S')}] {process.name} exited ({code}) while starting; starting it again",
        file=sys.stderr,
        flush=True,
    )
