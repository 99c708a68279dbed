"""Named points in the life of a message where observers outside the service may be told what
happens: ``handling`` (a message is about to be handled; detail: its type, with its payload),
``committed`` (its effects are committed, not yet published; detail: its type),
``mail_accepted`` (the SMTP server took an e-mail, not yet recorded; detail: its template) and
``provider_answered`` (the payment provider answered a movement, not yet committed; detail: its
kind).

A service in production has no observer: every point is a call to an empty list. The reliability
harness and the tests install theirs from outside the service's code, by naming a module in
``OMS_RUNTIME_OBSERVERS`` (comma separated; each module's ``install(observe)`` is called once at
start with the function that registers an observer, so the module imports nothing of the runtime):
reliability/fault_points.py makes a process die at a point or fail on a marked message. An image
built from the Dockerfile does not even contain that module.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

OBSERVERS_VARIABLE = "OMS_RUNTIME_OBSERVERS"

# (point, detail, payload): may raise to make the handling of that message fail.
Observer = Callable[[str, str, object], None]

_observers: list[Observer] = []


def observe(observer: Observer) -> None:
    _observers.append(observer)


def forget(observer: Observer) -> None:
    if observer in _observers:
        _observers.remove(observer)


def reached(point: str, detail: str, payload: object = None) -> None:
    for observer in _observers:
        observer(point, detail, payload)


def install(spec: str) -> None:
    """Import each module named in ``spec`` and call its ``install(observe)``."""
    for name in (part.strip() for part in spec.split(",")):
        if name:
            module = importlib.import_module(name)
            module.install(observe)
            logger.warning("runtime observers installed from %s", name)
