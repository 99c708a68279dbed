"""The system under test: the three services as child processes of the harness, against one
local devstack whose Kafka, PostgreSQL, SMTP sink and stripe-mock the harness may restart or stop.

Each run gets its own topic prefix and databases (like the e2e fixture), so a reused stack never
mixes runs; the stack itself should still be private to the harness, because restarting Kafka or
PostgreSQL disturbs everyone else who uses it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.envelope import Role
from contracts.sealing import generate_private_key, public_key_of
from csr.client import OmsClient, TokenProvider
from csr.client.dev_realm import login_for
from devstack.acls import grant_for_run, revoke_for_run
from devstack.endpoints import StackEndpoints
from devstack.mailbox import Mailbox
from devstack.paths import StackPaths
from devstack.service_process import SERVICES, ServiceProcess
from reliability.stripe_log import StripeLog

__all__ = ["SERVICES", "AgentClient", "Cluster"]

ROOT = Path(__file__).resolve().parents[1]


class AgentClient(OmsClient):
    """A client and the name of the agent it logged in as, for the ledger and error messages."""

    def __init__(self, agent_id: str, bootstrap: str, token_provider: TokenProvider, **options: Any) -> None:
        super().__init__(bootstrap, token_provider, **options)
        self.agent_id = agent_id


@dataclass
class Cluster:
    paths: StackPaths
    stack: StackEndpoints
    workdir: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    private_key: str = field(default_factory=generate_private_key)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    instances: int = 1  # of each service, in one consumer group and database (--instances)
    extra: dict[str, list[ServiceProcess]] = field(default_factory=dict)  # instances 2..n
    # What the card provider was asked: the services reach the stack's stripe-mock through it.
    stripe_log: StripeLog | None = None

    @property
    def prefix(self) -> str:
        return f"f{self.run_id}."

    def instances_of(self, name: str) -> list[ServiceProcess]:
        return [self.services[name], *self.extra.get(name, [])]

    @property
    def public_key(self) -> str:
        return public_key_of(self.private_key)

    @property
    def email_delivery(self) -> str:
        """The services' e-mail delivery rule (OMS_EMAIL_DELIVERY): what counts as a duplicate depends on it."""
        return os.environ.get("OMS_EMAIL_DELIVERY", "at-least-once")

    def database(self, service: str) -> str:
        return f"{service}_f{self.run_id}"

    def base_env(self) -> dict[str, str]:
        key_file = self.workdir / "sealing.key"
        key_file.write_text(self.private_key)
        return {
            **os.environ,
            **self.stack.as_env(),
            "OMS_STACK_DIR": str(self.paths.stack_dir),
            "OMS_TOPIC_PREFIX": self.prefix,
            "OMS_SEALING_KEY_FILE": str(key_file),
            "OMS_LOG_FORMAT": "json",
            "OMS_RELAY_POLL_INTERVAL_S": "0.2",
            "OMS_EMAIL_DELIVERY": self.email_delivery,
            # Short backoffs so an outage's backlog drains within the run; many attempts so a
            # minute without SMTP does not exhaust them (the defaults, 2 s doubling to 300 s over
            # 8 attempts, also outlast a minute, but slowly).
            "OMS_RETRY_BASE_S": "0.5",
            "OMS_RETRY_MAX_S": "3",
            "OMS_MAX_SEND_ATTEMPTS": "200",
            # A restarted service has all its partitions seconds sooner (tests/support/timing.py).
            "OMS_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
            "OMS_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "PYTHONUNBUFFERED": "1",
            **self._payment_env(),
        }

    def _payment_env(self) -> dict[str, str]:
        """Cards through the recording proxy; a provider outage's backlog asked again within seconds
        (two attempts within a command, then the payment worker every half second, backing off to 2 s)."""
        if self.stripe_log is None:
            return {}
        return {
            "OMS_STRIPE_API_BASE": self.stripe_log.url,
            "OMS_PAYMENT_RETRY_ATTEMPTS": "2",
            "OMS_PAYMENT_RETRY_BASE_S": "0.2",
            "OMS_PAYMENT_RETRY_MAX_S": "2",
            "OMS_PAYMENT_WORKER_INTERVAL_S": "0.5",
        }

    def start(self) -> None:
        grant_for_run(self.stack, self.prefix)  # the broker's ACLs for this run's topic prefix
        if self.stack.stripe_api_base and self.stack.stripe_api_key:
            self.stripe_log = StripeLog(self.stack.stripe_api_base, self.workdir / "stripe-requests.jsonl")
            self.stripe_log.start()
        env = self.base_env()
        for name in SERVICES:
            started = [self._instance(name, n, env) for n in range(1, self.instances + 1)]
            self.services[name], self.extra[name] = started[0], started[1:]
            for process in started:
                process.start()
                process.wait_healthy()  # one by one: on two cores parallel imports only compete

    def _instance(self, name: str, number: int, env: dict[str, str]) -> ServiceProcess:
        """Instance ``number`` of ``name``: instances on one host need an id each (OMS_INSTANCE_ID)."""
        log_path = self.workdir / (f"{name}.log" if number == 1 else f"{name}-{number}.log")
        env = {**env, "OMS_INSTANCE_ID": f"{name}-{number}"}
        return ServiceProcess.with_database(name, env, self.database(name), log_path, health_timeout=300)

    def stop(self) -> None:
        for service in [p for name in self.services for p in self.instances_of(name)]:
            service.stop()
        revoke_for_run(self.stack, self.prefix)
        if self.stripe_log is not None:
            self.stripe_log.stop()

    def client(self, agent_id: str, role: Role, timeout: float = 15) -> AgentClient:
        """Logged in at the stack's Keycloak: CSRs and supervisors as realm users named
        ``agent_id``, channels and systems with their clients' credentials (csr.client.dev_realm)."""
        if not self.stack.oidc_issuer or not self.stack.keycloak_url:
            raise RuntimeError("the stack runs no identity provider (OMS_OIDC_ISSUER, OMS_KEYCLOAK_URL)")
        return AgentClient(
            agent_id,
            self.stack.kafka_bootstrap,
            login_for(self.stack.oidc_issuer, self.stack.keycloak_url, agent_id, role),
            topic_prefix=self.prefix,
            reply_topic=f"replies.{agent_id}",
            sealing_public_key=self.public_key,
            timeout=timeout,
            connect_timeout=60,
            kafka_options=self.stack.kafka_admin_auth(),
        )

    def mailbox(self) -> Mailbox:
        assert self.stack.mail_dir is not None, "the harness needs the devstack SMTP sink"
        return Mailbox(self.stack.mail_dir)

    def dsn(self, service: str) -> str:
        return self.stack.database_dsn(self.database(service))

    # --- the stack's own controls, each under the stack's lock ----------------------------

    def devstack(self, command: str) -> None:
        env = {**os.environ, "OMS_STACK_DIR": str(self.paths.stack_dir)}
        for key in ("OMS_KAFKA_BOOTSTRAP", "OMS_PG_DSN", "OMS_SMTP_HOST", "OMS_SMTP_PORT"):
            env.pop(key, None)
        subprocess.run(
            [sys.executable, "-m", "devstack", command],
            cwd=ROOT,
            env=env,
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=300,
        )
