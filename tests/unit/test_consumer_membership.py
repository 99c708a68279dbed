"""How each subscriber of a service shares partitions with the other instances (issue: every
rebalance moved every partition)."""

from __future__ import annotations

from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.structs import TopicPartition

from services.runtime.service import _membership
from services.runtime.settings import ServiceSettings


def test_each_subscriber_is_sticky_with_a_memory_of_its_own() -> None:
    settings = ServiceSettings(instance_id="orders-1")
    commands = _membership(settings, "commands")["partition_assignment_strategy"]
    queries = _membership(settings, "queries")["partition_assignment_strategy"]
    assert [a.name for a in commands] == ["sticky", "roundrobin"] and commands[1] is RoundRobinPartitionAssignor

    # aiokafka's sticky assignor remembers the last assignment in class attributes: shared, one
    # consumer would report another's partitions as its own at the next rebalance.
    commands[0].on_assignment(ConsumerProtocolMemberAssignment(0, [("orders.commands", [0, 2])], b""))
    assert commands[0].member_assignment == [TopicPartition("orders.commands", 0), TopicPartition("orders.commands", 2)]
    assert queries[0].member_assignment is None


def test_static_membership_is_opt_in_with_an_id_per_consumer() -> None:
    assert "group_instance_id" not in _membership(ServiceSettings(instance_id="orders-1"), "commands")
    static = ServiceSettings(instance_id="orders-1", kafka_static_membership=True)
    assert _membership(static, "commands")["group_instance_id"] == "orders-1.commands"
    assert _membership(static, "customers.events")["group_instance_id"] == "orders-1.customers.events"
