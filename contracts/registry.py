"""Every message class by (type, version), so consumers can decode what they receive."""

from __future__ import annotations

from contracts.envelope import Command, DeadLetterV1, Event, Message, Query, ReplyV1


def _concrete(cls: type[Message]) -> list[type[Message]]:
    found: list[type[Message]] = []
    for sub in cls.__subclasses__():
        if "VERSION" in sub.__dict__:
            found.append(sub)
        found.extend(_concrete(sub))
    return found


def all_messages() -> dict[tuple[str, int], type[Message]]:
    """All concrete message classes. Importing ``contracts`` loads every module first."""
    import contracts  # noqa: F401  (loads customers, orders, notifications)

    registry: dict[tuple[str, int], type[Message]] = {}
    for base in (Command, Query, Event):
        for cls in _concrete(base):
            key = (cls.TYPE, cls.VERSION)
            if key in registry and registry[key] is not cls:
                raise RuntimeError(f"two message classes claim {key}")
            registry[key] = cls
    registry[(ReplyV1.TYPE, ReplyV1.VERSION)] = ReplyV1
    registry[(DeadLetterV1.TYPE, DeadLetterV1.VERSION)] = DeadLetterV1
    return registry
