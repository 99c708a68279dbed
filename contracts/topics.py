"""Topic names and partition counts: the public map of the system.

Every topic is created explicitly with these partition counts (an auto-created topic would get the
broker default of one partition and lose per-aggregate parallelism). Messages are keyed by aggregate
id, so one customer's or one order's messages always land in the same partition, in order.
"""

from __future__ import annotations

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
