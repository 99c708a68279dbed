"""The whole system for end-to-end tests: the three services as real processes against the
session's Kafka, PostgreSQL and SMTP sink, isolated by a topic prefix and database names unique to
the run, so a reused local stack never mixes runs."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from contracts.envelope import Envelope, Role
from contracts.sealing import generate_private_key, public_key_of
from csr.client import OmsClient, follow
from csr.client.auth import TokenProvider
from devstack.acls import grant_for_run, revoke_for_run
from devstack.endpoints import StackEndpoints
from devstack.mailbox import Mailbox
from devstack.service_process import SERVICES, ServiceProcess
from tests.support.identity import Identities
from tests.support.secrets import RecordingClient
from tests.support.timing import QUICK_REBALANCE

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class System:
    stack: StackEndpoints
    run_id: str
    workdir: Path
    private_key: str
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    # More instances of a service (add_instance): the same database and consumer group.
    extra: dict[str, list[ServiceProcess]] = field(default_factory=dict)
    env_overrides: dict[str, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"t{self.run_id}."

    @property
    def public_key(self) -> str:
        return public_key_of(self.private_key)

    def database(self, service: str) -> str:
        return f"{service}_{self.run_id}"

    def base_env(self) -> dict[str, str]:
        key_file = self.workdir / "sealing.key"
        key_file.write_text(self.private_key)
        return {
            **os.environ,
            **self.stack.as_env(),
            "OMS_TOPIC_PREFIX": self.prefix,
            "OMS_SEALING_KEY_FILE": str(key_file),
            "OMS_LOG_FORMAT": "json",
            "OMS_RELAY_POLL_INTERVAL_S": "0.2",
            "OMS_RETRY_BASE_S": "0.5",
            "OMS_RETRY_MAX_S": "2",
            **QUICK_REBALANCE,
            "PYTHONUNBUFFERED": "1",
            **self.env_overrides,
        }

    def start(self) -> None:
        grant_for_run(self.stack, self.prefix)  # the broker's ACLs for this run's topic prefix
        env = self.base_env()
        for name in SERVICES:
            self.services[name] = self._instance(name, 1, env)
            self.services[name].start()
        try:
            for service in self.services.values():
                service.wait_healthy()
        except BaseException:
            self.stop()  # the fixture never yields, so nothing else would stop the others
            raise

    def _instance(self, name: str, number: int, env: dict[str, str]) -> ServiceProcess:
        """Instance ``number`` of service ``name``: instances on one host need an id each."""
        log_path = self.workdir / (f"{name}.log" if number == 1 else f"{name}-{number}.log")
        env = {**env, "OMS_INSTANCE_ID": f"{name}-{number}"}
        # Generous: on the shared two-core machine a start under load has taken over a minute.
        return ServiceProcess.with_database(name, env, self.database(name), log_path, health_timeout=180)

    def add_instance(self, name: str, *, wait: bool = True) -> ServiceProcess:
        """Start one more instance of ``name`` (healthy when this returns, unless not ``wait``:
        instances started side by side are ready sooner than one after another)."""
        instances = self.extra.setdefault(name, [])
        instance = self._instance(name, len(instances) + 2, self.base_env())
        instances.append(instance)
        instance.start()
        if wait:
            instance.wait_healthy()
        return instance

    def instances(self, name: str) -> list[ServiceProcess]:
        return [self.services[name], *self.extra.get(name, [])]

    def stop(self) -> None:
        for service in [s for name in self.services for s in self.instances(name)]:
            service.stop()
        revoke_for_run(self.stack, self.prefix)

    def restart(self, name: str, extra_env: dict[str, str] | None = None) -> None:
        service = self.services[name]
        service.stop()
        service.start(extra_env)
        service.wait_healthy()

    @property
    def identities(self) -> Identities:
        return Identities.of(self.stack)

    def client(self, agent_id: str = "csr-alice", role: Role = Role.CSR, timeout: float = 20) -> OmsClient:
        """A client logged in as the realm user ``agent_id`` holding ``role`` (made to exist; see
        tests/support/identity.py): the services record what it does under that name."""
        return self._client(self.identities.user(agent_id, role), timeout)

    def channel_client(self, client_id: str = "web-shop", timeout: float = 20) -> OmsClient:
        """A client logged in with a channel's own client credentials (agent
        ``service-account-web-shop``, role channel), as a real web shop would."""
        return self._client(self.identities.service(client_id), timeout)

    def _client(self, token_provider: TokenProvider, timeout: float) -> OmsClient:
        # Every secret a test seals is remembered for the final scan (tests/e2e/test_zz_secrets_scan.py).
        return RecordingClient(
            self.stack.kafka_bootstrap,
            token_provider,
            topic_prefix=self.prefix,
            reply_topic=f"replies.{uuid.uuid4().hex[:8]}",
            sealing_public_key=self.public_key,
            timeout=timeout,
            kafka_options=self.stack.kafka_admin_auth(),
        )

    def mailbox(self) -> Mailbox:
        assert self.stack.mail_dir is not None, "e-mail tests need the devstack SMTP sink"
        return Mailbox(self.stack.mail_dir)

    async def db(self, service: str) -> asyncpg.Connection:
        return await asyncpg.connect(self.stack.database_dsn(self.database(service)))

    async def fetch(self, service: str, sql: str, *args: object) -> list[asyncpg.Record]:
        conn = await self.db(service)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()


async def first_event(
    system: System, topic: str, predicate: Callable[[Envelope], bool], timeout: float = 20.0
) -> Envelope:
    """The first message on ``topic`` (read from the beginning) that satisfies ``predicate``."""
    events = follow(
        system.stack.kafka_bootstrap,
        [system.prefix + topic],
        from_beginning=True,
        options=system.stack.kafka_admin_auth(),
    )
    try:
        async with asyncio.timeout(timeout):
            async for envelope, _ in events:
                if predicate(envelope):
                    return envelope
    except TimeoutError:
        pass
    finally:
        await events.aclose()
    raise AssertionError(f"no matching message on {topic} within {timeout}s")


async def eventually(check, timeout: float = 15.0, interval: float = 0.1):
    """Await ``check()`` until it returns something truthy, or fail with its last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def own_system(stack: StackEndpoints, tmp_path_factory: Any, **env: str) -> Iterator[System]:
    """Three services with a topic prefix and databases of their own (``env``: settings for them)."""
    workdir = Path(tmp_path_factory.mktemp("system"))
    system = System(
        stack=stack,
        run_id=uuid.uuid4().hex[:8],
        workdir=workdir,
        private_key=generate_private_key(),
        env_overrides=env,
    )
    system.start()
    try:
        yield system
    finally:
        system.stop()
