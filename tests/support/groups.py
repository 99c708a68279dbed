"""What the broker says of a service's consumer group, for tests that must not send before the
instances they started have their partitions.

An instance is healthy (/health) as soon as its consumers have *started*; they join the group one
by one afterwards, and every join is a rebalance all members take part in (aiokafka rebalances
eagerly). A command sent meanwhile waits for the rebalances to end; on a loaded machine, several in
a row outlast a client's reply timeout. So tests that start instances wait here until the group is
Stable with exactly the instances they expect, each following every topic the service follows, and
every partition of those topics assigned: from then on a command is consumed at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment, ConsumerProtocolMemberMetadata

from devstack.service_process import ServiceProcess
from tests.support.system import System


@dataclass(frozen=True)
class GroupView:
    state: str
    # per client id (one per instance: "<service>-<instance id>"): the topics its members follow,
    # and the partitions they were assigned
    follows: dict[str, frozenset[str]]
    assigned: dict[str, frozenset[tuple[str, int]]]

    def topics(self) -> frozenset[str]:
        """Every topic some member follows."""
        return frozenset().union(*self.follows.values())

    def settled_for(self, clients: set[str], partitions: dict[str, int]) -> bool:
        """Stable, exactly ``clients`` in it, each following every topic, every partition assigned."""
        topics = self.topics()
        every = {(topic, p) for topic in topics for p in range(partitions.get(topic, 0))}
        owned: set[tuple[str, int]] = set().union(*self.assigned.values())
        return (
            self.state == "Stable"
            and set(self.follows) == clients
            and all(followed == topics for followed in self.follows.values())
            and all(topic in partitions for topic in topics)
            and owned == every
        )

    def owners(self) -> dict[str, int]:
        """How many partitions each client has (for messages)."""
        return {client: len(parts) for client, parts in self.assigned.items()}


def client_id(instance: ServiceProcess) -> str:
    """The Kafka client id a service instance's consumers use (services.runtime.service.build_app)."""
    return f"{instance.name}-{instance.env['OMS_INSTANCE_ID']}"


async def describe(admin: AIOKafkaAdminClient, group: str) -> GroupView:
    (response,) = await admin.describe_consumer_groups([group])
    (found,) = response.to_object()["groups"]
    follows: dict[str, set[str]] = defaultdict(set)
    assigned: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for member in found["members"]:
        client = member["client_id"]
        if member["member_metadata"]:  # empty while the member is between join and sync
            follows[client].update(ConsumerProtocolMemberMetadata.decode(member["member_metadata"]).subscription)
        if member["member_assignment"]:
            assignment = ConsumerProtocolMemberAssignment.decode(member["member_assignment"])
            assigned[client].update((tp.topic, tp.partition) for tp in assignment.partitions())
    return GroupView(
        found["state"],
        {c: frozenset(t) for c, t in follows.items()},
        {c: frozenset(p) for c, p in assigned.items()},
    )


async def wait_settled(
    system: System, service: str, instances: Iterable[ServiceProcess], timeout: float = 180
) -> float:
    """Until ``service``'s group is settled with exactly ``instances`` (see GroupView.settled_for);
    the seconds it took. Polls quickly: most calls find it settled already."""
    clients = {client_id(i) for i in instances}
    started = time.monotonic()
    admin = AIOKafkaAdminClient(**system.stack.kafka_admin_options())
    await admin.start()
    try:
        while True:
            view = await describe(admin, system.prefix + service)
            partitions = await _partition_counts(admin, view.topics())
            if view.settled_for(clients, partitions):
                break
            if time.monotonic() - started > timeout:
                raise AssertionError(
                    f"{service}'s consumer group not settled with {sorted(clients)} after {timeout}s:"
                    f" {view.state}, partitions per client {view.owners()}"
                )
            await asyncio.sleep(0.2)
    finally:
        await admin.close()
    return time.monotonic() - started


async def _partition_counts(admin: AIOKafkaAdminClient, topics: frozenset[str]) -> dict[str, int]:
    """How many partitions each of ``topics`` has (a topic the metadata does not know yet: left out)."""
    if not topics:
        return {}
    metadata = await admin.describe_topics(sorted(topics))
    return {t["topic"]: len(t["partitions"]) for t in metadata if t["partitions"]}
