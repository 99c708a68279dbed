"""The broker's ACL table (devstack/acls.py): who may write where, for any topic prefix."""

from __future__ import annotations

import pytest

from contracts.topics import ALL_TOPICS
from devstack.acls import Acl, Operation, Pattern, ResourceType, acl_table

EVENT_TOPICS = ("customers.events", "orders.events", "notifications.events")
OWN_EVENTS = {
    "customers-service": "customers.events",
    "orders-service": "orders.events",
    "notifications-service": "notifications.events",
}


def _topics(principal: str, operation: Operation, prefix: str = "") -> set[str]:
    return {
        a.name
        for a in acl_table(prefix)
        if a.principal == principal and a.operation is operation and a.resource is ResourceType.TOPIC
    }


@pytest.mark.parametrize("principal", ["web-shop", "csr-cli", "fulfilment"])
def test_no_channel_or_downstream_system_may_write_an_event_topic(principal: str) -> None:
    assert not _topics(principal, Operation.WRITE) & set(EVENT_TOPICS)
    assert not any(name.endswith(".events") for name in _topics(principal, Operation.WRITE))


@pytest.mark.parametrize(("service", "own"), sorted(OWN_EVENTS.items()))
def test_a_service_writes_its_own_events_and_no_other(service: str, own: str) -> None:
    written_events = {name for name in _topics(service, Operation.WRITE) if name.endswith(".events")}
    assert written_events == {own}


def test_fulfilment_reads_order_events_and_sends_order_commands_only() -> None:
    assert _topics("fulfilment", Operation.READ) == {"orders.events", "replies"}
    assert _topics("fulfilment", Operation.WRITE) == {"orders.commands"}


def test_replies_and_consumer_groups_are_prefixed_patterns_the_rest_literal() -> None:
    for acl in acl_table():
        expected = Pattern.PREFIXED if acl.resource is ResourceType.GROUP or acl.name == "replies" else Pattern.LITERAL
        assert acl.pattern is expected, acl


def test_a_prefix_applies_to_every_resource_name() -> None:
    plain, prefixed = acl_table(), acl_table("t42.")
    assert len(plain) == len(prefixed)
    assert all(a.name.startswith("t42.") for a in prefixed)
    assert Acl("orders-service", ResourceType.TOPIC, "t42.orders.events", Pattern.LITERAL, Operation.WRITE) in prefixed


def test_services_may_create_exactly_the_system_topics() -> None:
    for service, own in OWN_EVENTS.items():
        outbox_dlq = own.replace(".events", ".outbox.dlq")  # the relay's parked rows
        assert _topics(service, Operation.CREATE) == {t.name for t in ALL_TOPICS} | {outbox_dlq}
    assert _topics("web-shop", Operation.CREATE) == {"replies"}
