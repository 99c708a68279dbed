"""Who may read and write which topic: the one table of the broker's ACLs, and the script applying it.

The broker (devstack/kafka.py) refuses everything no ACL allows; its principals are Keycloak client
ids (the token's ``azp``). docs/security.md lists this same table for operators; `python -m devstack
acls` applies it (and `devstack up` runs it once Kafka is up). Applying is idempotent: an ACL that
exists is left alone.

Topic prefix (``OMS_TOPIC_PREFIX``): every resource name below is prefixed. Kafka cannot match "any
prefix, then orders.events", so the dev stack's ACLs are for the empty prefix, and a test run that
isolates itself with a prefix of its own applies the same table for that prefix first (as the super
user ``oms-admin``) and revokes it at the end: ``apply_acls(options, prefix)`` /
``revoke_acls(options, prefix)``.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import CreateAclsRequest, DeleteAclsRequest, DescribeAclsRequest

from contracts.topics import ALL_TOPICS, dlq
from devstack.aio import run_blocking
from devstack.endpoints import StackEndpoints


class ResourceType(IntEnum):  # Kafka protocol codes
    ANY = 1
    TOPIC = 2
    GROUP = 3


class Pattern(IntEnum):
    ANY = 1
    LITERAL = 3
    PREFIXED = 4


class Operation(IntEnum):
    ANY = 1
    READ = 3
    WRITE = 4
    CREATE = 5
    DESCRIBE = 8


ALLOW = 3
ANY_PERMISSION = 1
ANY_HOST = "*"
REPLIES = "replies"  # reply topics, replies.<client> (the services answer no other: contracts.topics)


@dataclass(frozen=True, order=True)
class Acl:
    """One ALLOW rule: principal (a client id) may do operation on a topic or group name pattern."""

    principal: str
    resource: ResourceType
    name: str
    pattern: Pattern
    operation: Operation

    def describe(self) -> str:
        star = "*" if self.pattern is Pattern.PREFIXED else ""
        return f"User:{self.principal:<22} {self.operation.name:<8} {self.resource.name.lower():<5} {self.name}{star}"


@dataclass(frozen=True)
class ServiceGrant:
    """A service consumes its own commands and queries and the events it follows, writes its events."""

    client_id: str
    service: str  # topic family and consumer group: orders -> orders.commands, group "orders"
    follows: tuple[str, ...]

    @property
    def inputs(self) -> tuple[str, ...]:
        return (f"{self.service}.commands", f"{self.service}.queries", *self.follows)


@dataclass(frozen=True)
class ChannelGrant:
    """Channels and CSR clients send commands and queries and read their replies."""

    client_id: str
    sends_to: tuple[str, ...]
    reads: tuple[str, ...] = ()  # event topics it follows (downstream systems)


# -- the table -------------------------------------------------------------------------------------

SERVICE_TOPICS = ("customers", "orders", "notifications")
EVERY_REQUEST_TOPIC = tuple(f"{s}.{kind}" for s in SERVICE_TOPICS for kind in ("commands", "queries"))

SERVICES = (
    ServiceGrant("customers-service", "customers", follows=("orders.events", "notifications.events")),
    ServiceGrant("orders-service", "orders", follows=("customers.events",)),
    ServiceGrant("notifications-service", "notifications", follows=("customers.events", "orders.events")),
)
CHANNELS = (
    ChannelGrant("web-shop", sends_to=EVERY_REQUEST_TOPIC),
    # CSRs also look at what happened (`csr events`): they read the services' event topics.
    ChannelGrant("csr-cli", sends_to=EVERY_REQUEST_TOPIC, reads=tuple(f"{s}.events" for s in SERVICE_TOPICS)),
    # The warehouse downstream: follows orders, reports shipments and deliveries as commands.
    ChannelGrant("fulfilment", sends_to=("orders.commands",), reads=("orders.events",)),
)


def _service_acls(grant: ServiceGrant, prefix: str) -> Iterable[Acl]:
    def topic(name: str, operation: Operation, pattern: Pattern = Pattern.LITERAL) -> Acl:
        return Acl(grant.client_id, ResourceType.TOPIC, prefix + name, pattern, operation)

    for name in grant.inputs:
        yield topic(name, Operation.READ)
        yield topic(dlq(name), Operation.WRITE)  # dead letters of what it consumes
    yield topic(f"{grant.service}.events", Operation.WRITE)
    # The relay's dead letters of outbox rows Kafka refused (services/runtime/relay.py), a topic
    # each service creates for itself at start.
    for operation in (Operation.WRITE, Operation.CREATE, Operation.DESCRIBE):
        yield topic(f"{grant.service}.outbox.dlq", operation)
    yield topic(REPLIES, Operation.WRITE, Pattern.PREFIXED)
    # Services create the system's topics at start (runtime.kafka.ensure_topics), so they may
    # create (and see) each of those, and no other.
    for spec in ALL_TOPICS:
        yield topic(spec.name, Operation.CREATE)
        yield topic(spec.name, Operation.DESCRIBE)
    yield Acl(grant.client_id, ResourceType.GROUP, prefix + grant.service, Pattern.PREFIXED, Operation.READ)


def _channel_acls(grant: ChannelGrant, prefix: str) -> Iterable[Acl]:
    def topic(name: str, operation: Operation, pattern: Pattern = Pattern.LITERAL) -> Acl:
        return Acl(grant.client_id, ResourceType.TOPIC, prefix + name, pattern, operation)

    for name in grant.sends_to:
        yield topic(name, Operation.WRITE)
    for name in grant.reads:
        yield topic(name, Operation.READ)
    for operation in (Operation.READ, Operation.CREATE, Operation.DESCRIBE):
        yield topic(REPLIES, operation, Pattern.PREFIXED)
    yield Acl(grant.client_id, ResourceType.GROUP, prefix + grant.client_id, Pattern.PREFIXED, Operation.READ)


def acl_table(prefix: str = "") -> list[Acl]:
    """Every ACL of the system for one topic prefix, sorted."""
    acls: set[Acl] = set()
    for service in SERVICES:
        acls.update(_service_acls(service, prefix))
    for channel in CHANNELS:
        acls.update(_channel_acls(channel, prefix))
    return sorted(acls)


# -- applying it -----------------------------------------------------------------------------------


class AclError(RuntimeError):
    pass


def _check(errors: Iterable[tuple[Any, ...]], what: str) -> None:
    failed = [f"{code} {message}" for code, message, *_ in errors if code]
    if failed:
        raise AclError(f"{what}: {'; '.join(failed)}")


async def _existing(admin: AIOKafkaAdminClient) -> set[Acl]:
    request = DescribeAclsRequest(ResourceType.ANY, None, Pattern.ANY, None, None, Operation.ANY, ANY_PERMISSION)
    response = await admin._send_request(request)
    _check([(response.error_code, response.error_message)], "describing ACLs failed")
    found: set[Acl] = set()
    for resource_type, name, pattern, entries in response.resources:
        for principal, _host, operation, permission in entries:
            known = (
                permission == ALLOW
                and principal.startswith("User:")
                and resource_type in ResourceType._value2member_map_
                and pattern in Pattern._value2member_map_
                and operation in Operation._value2member_map_
            )
            if known:
                found.add(Acl(principal[5:], ResourceType(resource_type), name, Pattern(pattern), Operation(operation)))
    return found


async def apply_acls(options: dict[str, Any], prefix: str = "") -> list[Acl]:
    """Create the table's ACLs for prefix that the broker does not have yet; returns those created."""
    admin = AIOKafkaAdminClient(**options)
    await admin.start()
    try:
        existing = await _existing(admin)
        missing = [acl for acl in acl_table(prefix) if acl not in existing]
        if missing:
            response = await admin._send_request(_CreateAcls(missing))
            _check(response.creation_responses, "creating ACLs failed")
        return missing
    finally:
        await admin.close()


async def revoke_acls(options: dict[str, Any], prefix: str) -> int:
    """Delete the table's ACLs for prefix (a test run's, at its end); returns how many were deleted."""
    admin = AIOKafkaAdminClient(**options)
    await admin.start()
    try:
        response = await admin._send_request(_DeleteAcls(acl_table(prefix)))
        _check([(code, message) for code, message, _ in response.filter_responses], "deleting ACLs failed")
        return sum(len(matching) for _, _, matching in response.filter_responses)
    finally:
        await admin.close()


def _entries(acls: list[Acl]) -> list[tuple[Any, ...]]:
    return [(a.resource, a.name, a.pattern, f"User:{a.principal}", ANY_HOST, a.operation, ALLOW) for a in acls]


class _CreateAcls(CreateAclsRequest):  # type: ignore[misc]
    """All creations in one request (aiokafka's carries one): one metadata write, not hundreds."""

    def __init__(self, acls: list[Acl]) -> None:
        self._acls = acls

    def build(self, request_struct_class: Any) -> Any:
        if request_struct_class.API_VERSION < 1:
            raise AclError("the broker does not support prefixed ACLs (CreateAcls v1)")
        return request_struct_class(_entries(self._acls))


class _DeleteAcls(DeleteAclsRequest):  # type: ignore[misc]
    def __init__(self, acls: list[Acl]) -> None:
        self._acls = acls

    def build(self, request_struct_class: Any) -> Any:
        if request_struct_class.API_VERSION < 1:
            raise AclError("the broker does not support prefixed ACLs (DeleteAcls v1)")
        return request_struct_class(_entries(self._acls))


def grant_for_run(stack: StackEndpoints, prefix: str) -> None:
    """Before a harness starts services with a topic prefix of its own: the table for that prefix."""
    if stack.kafka_requires_auth:
        run_blocking(lambda: apply_acls(stack.kafka_admin_options(), prefix))


def revoke_for_run(stack: StackEndpoints, prefix: str) -> None:
    """After the run: its ACLs go (a reused stack would otherwise collect a table per run). A
    failure is only reported: leftover ACLs of a finished run harm nobody, a failed teardown would
    hide the run's real outcome."""
    if not stack.kafka_requires_auth:
        return
    try:
        run_blocking(lambda: revoke_acls(stack.kafka_admin_options(), prefix))
    except Exception as exc:  # noqa: BLE001 - see above
        warnings.warn(f"the ACLs of prefix {prefix!r} stay: {exc}", stacklevel=2)


def render_table(prefix: str = "") -> str:
    return "\n".join(acl.describe() for acl in acl_table(prefix))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prefix", default="", help="topic prefix the ACLs are for (default: none)")
    parser.add_argument("--revoke", action="store_true", help="delete the prefix's ACLs instead")
    parser.add_argument("--print", action="store_true", help="only print the table, change nothing")
