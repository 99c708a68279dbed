"""Fault injection for the reliability tests: named points where a process can be made to die.

Inactive unless ``OMS_FAULTS`` names a point, e.g. ``crash_after_commit:RegisterCustomer``; the
tests use it to kill a service exactly between a commit and the publish that follows it.
``poison:<text>`` makes the handler fail on any message whose payload contains ``<text>``, to show
that one message that always fails is dead-lettered without stopping the others.
"""

from __future__ import annotations

import logging
import os
import sys

logger = logging.getLogger(__name__)


class Faults:
    def __init__(self, spec: str) -> None:
        self._points = {p.strip() for p in spec.split(",") if p.strip()}
        self._poison = [p.removeprefix("poison:") for p in self._points if p.startswith("poison:")]

    def check_poison(self, payload: object) -> None:
        if self._poison and any(marker in str(payload) for marker in self._poison):
            raise RuntimeError("poisoned message (fault injection)")

    def point(self, name: str, detail: str = "") -> None:
        if not self._points:
            return
        if name in self._points or f"{name}:{detail}" in self._points:
            logger.critical("fault injected at %s:%s, exiting", name, detail)
            sys.stdout.flush()
            os._exit(137)
