"""Fault injection for the reliability harness and the tests, installed into a service process from
outside its code (services/runtime/hooks.py): the service is started with
``OMS_RUNTIME_OBSERVERS=reliability.fault_points`` and ``OMS_FAULTS`` naming the points, which
``fault_env()`` writes.

- ``crash_after_commit:<Type>``: the process dies (exit 137, like kill -9) right after a message
  of that type committed and before what it caused is published.
- ``crash_after_smtp:<template>``: dies right after the SMTP server took such an e-mail, before
  the service recorded it.
- ``crash_after_provider:<kind>``: dies right after the payment provider answered a movement of
  that kind (``authorize``, ``capture``, ``void``, ``refund``, ``tokenize``), before the answer
  was committed: the redelivered command must ask again with the same idempotency key.
- ``poison:<text>``: handling fails on any message whose payload contains ``<text>``, to show that
  one message that always fails is dead-lettered without stopping the others.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

logger = logging.getLogger(__name__)

FAULTS_VARIABLE = "OMS_FAULTS"
# Read by the service (services/runtime/hooks.py, OBSERVERS_VARIABLE), which calls install() below.
OBSERVERS_VARIABLE = "OMS_RUNTIME_OBSERVERS"
CRASH_EXIT_CODE = 137
# The hooks' point each crash point waits for.
_CRASHES = {
    "committed": "crash_after_commit",
    "mail_accepted": "crash_after_smtp",
    "provider_answered": "crash_after_provider",
}


def fault_env(spec: str) -> dict[str, str]:
    """The environment that arms a service process with ``spec`` (comma separated points)."""
    return {OBSERVERS_VARIABLE: __name__, FAULTS_VARIABLE: spec}


class FaultPoints:
    def __init__(self, spec: str) -> None:
        self._points = {p.strip() for p in spec.split(",") if p.strip()}
        self._poison = [p.removeprefix("poison:") for p in self._points if p.startswith("poison:")]

    def __call__(self, point: str, detail: str, payload: object) -> None:
        if point == "handling" and self._poison and any(marker in str(payload) for marker in self._poison):
            raise RuntimeError("poisoned message (fault injection)")
        crash = _CRASHES.get(point)
        if crash and (crash in self._points or f"{crash}:{detail}" in self._points):
            logger.critical("fault injected at %s:%s, exiting", crash, detail)
            sys.stdout.flush()
            os._exit(CRASH_EXIT_CODE)


def install(observe: Callable[[Callable[[str, str, object], None]], None]) -> None:
    observe(FaultPoints(os.environ.get(FAULTS_VARIABLE, "")))
