"""When tests consider a service's consumer group settled (tests/support/groups.py): they send their
first command only then, so a group that is still rebalancing, or misses an instance, a topic or a
partition, must never count as settled."""

from __future__ import annotations

from tests.support.groups import GroupView

PARTITIONS = {"t.orders.commands": 2, "t.orders.queries": 1}
BOTH = {"orders-orders-1", "orders-orders-2"}
FOLLOWED = frozenset(PARTITIONS)


def view(state: str = "Stable", **assigned: set[tuple[str, int]]) -> GroupView:
    clients = {name.replace("_", "-"): frozenset(parts) for name, parts in assigned.items()}
    return GroupView(state, dict.fromkeys(clients, FOLLOWED), clients)


def test_stable_with_every_instance_and_every_partition_is_settled() -> None:
    group = view(
        orders_orders_1={("t.orders.commands", 0), ("t.orders.queries", 0)},
        orders_orders_2={("t.orders.commands", 1)},
    )
    assert group.settled_for(BOTH, PARTITIONS)


def test_a_rebalancing_group_is_not_settled() -> None:
    group = view(
        "PreparingRebalance",
        orders_orders_1={("t.orders.commands", 0), ("t.orders.queries", 0)},
        orders_orders_2={("t.orders.commands", 1)},
    )
    assert not group.settled_for(BOTH, PARTITIONS)


def test_a_missing_instance_or_an_unassigned_partition_is_not_settled() -> None:
    alone = view(orders_orders_1={("t.orders.commands", 0), ("t.orders.commands", 1), ("t.orders.queries", 0)})
    assert not alone.settled_for(BOTH, PARTITIONS)
    assert alone.settled_for({"orders-orders-1"}, PARTITIONS)
    gap = view(orders_orders_1={("t.orders.commands", 0)}, orders_orders_2={("t.orders.queries", 0)})
    assert not gap.settled_for(BOTH, PARTITIONS)


def test_an_instance_whose_consumers_have_not_all_joined_is_not_settled() -> None:
    group = GroupView(
        "Stable",
        {"orders-orders-1": FOLLOWED, "orders-orders-2": frozenset({"t.orders.commands"})},
        {
            "orders-orders-1": frozenset({("t.orders.commands", 0), ("t.orders.queries", 0)}),
            "orders-orders-2": frozenset({("t.orders.commands", 1)}),
        },
    )
    assert not group.settled_for(BOTH, PARTITIONS)
