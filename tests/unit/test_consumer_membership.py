"""How each subscriber of a service shares partitions with the other instances."""

from __future__ import annotations

from typing import ClassVar

from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.coordinator.protocol import ConsumerProtocolMemberMetadata

from services.runtime.service import _membership
from services.runtime.settings import ServiceSettings


class Cluster:
    """What an assignor asks of the cluster: each topic's partitions."""

    partitions: ClassVar[dict[str, int]] = {"orders.commands": 6, "orders.queries": 3, "customers.events": 6}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(self.partitions[topic]))


def test_every_partition_has_an_owner_whatever_each_subscriber_follows() -> None:
    """Round robin only: aiokafka's sticky assignor could leave a partition to nobody in a group
    whose members follow different topics (aio-libs/aiokafka#1176; seen in the faults run)."""
    strategy = _membership(ServiceSettings(instance_id="orders-1"), "commands")["partition_assignment_strategy"]
    assert strategy == (RoundRobinPartitionAssignor,)

    # Three instances, each with one consumer per subscriber, all in the service's one group.
    members = {
        f"orders-{n}-{topic}": ConsumerProtocolMemberMetadata(0, [topic], b"")
        for n in (1, 2, 3)
        for topic in Cluster.partitions
    }
    assignment = RoundRobinPartitionAssignor.assign(Cluster(), members)
    owned = [
        (topic, partition)
        for member in assignment.values()
        for topic, partitions in member.assignment
        for partition in partitions
    ]
    everything = [(t, p) for t, count in Cluster.partitions.items() for p in range(count)]
    assert sorted(owned) == sorted(everything)  # each partition owned, and by one consumer only


def test_static_membership_is_opt_in_with_an_id_per_consumer() -> None:
    assert "group_instance_id" not in _membership(ServiceSettings(instance_id="orders-1"), "commands")
    static = ServiceSettings(instance_id="orders-1", kafka_static_membership=True)
    assert _membership(static, "commands")["group_instance_id"] == "orders-1.commands"
    assert _membership(static, "customers.events")["group_instance_id"] == "orders-1.customers.events"
