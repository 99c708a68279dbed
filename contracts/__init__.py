"""Message contracts of the CSR order-management system: pydantic models only.

Any channel can install this package to build, validate and read the messages the services
exchange. ``contracts.registry.all_messages()`` lists every message by (type, version).
"""

from contracts import customers, notifications, orders  # noqa: F401  (registers the messages)
from contracts.envelope import Actor, Command, Envelope, Event, Message, Query, ReplyV1, Role

__all__ = ["Actor", "Command", "Envelope", "Event", "Message", "Query", "ReplyV1", "Role"]
