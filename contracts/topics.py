"""Topic names and partition counts: the public map of the system.

Every topic is created explicitly with these partition counts (an auto-created topic would get the
broker default of one partition and lose per-aggregate parallelism). Messages are keyed by aggregate
id, so one customer's or one order's messages always land in the same partition, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CUSTOMERS_COMMANDS = "customers.commands"
CUSTOMERS_QUERIES = "customers.queries"
CUSTOMERS_EVENTS = "customers.events"
ORDERS_COMMANDS = "orders.commands"
ORDERS_QUERIES = "orders.queries"
ORDERS_EVENTS = "orders.events"
NOTIFICATIONS_COMMANDS = "notifications.commands"
NOTIFICATIONS_QUERIES = "notifications.queries"
NOTIFICATIONS_EVENTS = "notifications.events"

DLQ_SUFFIX = ".dlq"


def dlq(topic: str) -> str:
    """Dead-letter topic of a consumed topic: undecodable or invalid messages with the reason."""
    return topic + DLQ_SUFFIX


# Replies go to ``<prefix>replies.<client>`` and nowhere else: a request naming any other topic
# (``orders.events``, ``customers.commands``, ``x.dlq``) could make a service write into it.
REPLIES = "replies."
REPLY_CLIENT = r"[A-Za-z0-9_-]{1,100}"
REPLY_TOPIC_PATTERN = r"^[A-Za-z0-9._-]{0,100}replies\.[A-Za-z0-9_-]{1,100}$"
"""Any deployment's reply topic: a topic prefix, then ``replies.<client>``."""
REPLY_TOPIC_RULE = "must be a reply topic: the topic prefix, then replies.<client>, client 1-100 of A-Z a-z 0-9 _ -"
_CLIENT = re.compile(REPLY_CLIENT)
_ANY_REPLY_TOPIC = re.compile(REPLY_TOPIC_PATTERN)


def reply_topic(client: str, prefix: str = "") -> str:
    """The reply topic of ``client`` under a deployment's topic ``prefix``."""
    topic = f"{prefix}{REPLIES}{client}"
    if not is_reply_topic(topic, prefix):
        raise ValueError(f"{client!r} cannot name a reply topic: {REPLY_TOPIC_RULE}")
    return topic


def is_reply_topic(topic: str, prefix: str | None = None) -> bool:
    """Whether ``topic`` is a reply topic: of the deployment whose topic prefix is ``prefix``, or
    of any deployment when ``prefix`` is None."""
    if prefix is None:
        return _ANY_REPLY_TOPIC.fullmatch(topic) is not None
    rest = topic.removeprefix(prefix) if topic.startswith(prefix) else None
    return rest is not None and rest.startswith(REPLIES) and _CLIENT.fullmatch(rest.removeprefix(REPLIES)) is not None


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    description: str


_SERVICE_TOPICS = [
    (CUSTOMERS_COMMANDS, 6, "Commands to the customers service"),
    (CUSTOMERS_QUERIES, 3, "Queries answered from the customers service's tables"),
    (CUSTOMERS_EVENTS, 6, "What changed about customers, keyed by customer id"),
    (ORDERS_COMMANDS, 6, "Commands to the orders service (carts, quotes, orders, returns)"),
    (ORDERS_QUERIES, 3, "Queries answered from the orders service's tables"),
    (ORDERS_EVENTS, 6, "What changed about orders, quotes and returns, keyed by order id"),
    (NOTIFICATIONS_COMMANDS, 3, "Commands to the notifications service (CSR e-mails, resend)"),
    (NOTIFICATIONS_QUERIES, 3, "Queries on e-mail history and previews"),
    (NOTIFICATIONS_EVENTS, 3, "E-mails sent or failed, keyed by customer id"),
]

ALL_TOPICS: list[TopicSpec] = [TopicSpec(n, p, d) for n, p, d in _SERVICE_TOPICS] + [
    TopicSpec(dlq(n), 1, f"Dead letters of {n}") for n, _, _ in _SERVICE_TOPICS
]
