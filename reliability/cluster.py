"""The system under test: the three services as child processes of the harness, against one
local devstack whose Kafka, PostgreSQL and SMTP sink the harness may restart or stop.

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

from contracts.envelope import Actor, Role
from contracts.sealing import generate_private_key, public_key_of
from csr.client import OmsClient
from devstack.acls import grant_for_run, revoke_for_run
from devstack.endpoints import StackEndpoints
from devstack.mailbox import Mailbox
from devstack.paths import StackPaths
from devstack.service_process import SERVICES, ServiceProcess

__all__ = ["SERVICES", "Cluster"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Cluster:
    paths: StackPaths
    stack: StackEndpoints
    workdir: Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    private_key: str = field(default_factory=generate_private_key)
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"f{self.run_id}."

    @property
    def public_key(self) -> str:
        return public_key_of(self.private_key)

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
        }

    def start(self) -> None:
        grant_for_run(self.stack, self.prefix)  # the broker's ACLs for this run's topic prefix
        env = self.base_env()
        for name in SERVICES:
            log_path = self.workdir / f"{name}.log"
            self.services[name] = ServiceProcess.with_database(
                name, env, self.database(name), log_path, health_timeout=120
            )
            self.services[name].start()
            self.services[name].wait_healthy()  # one by one: on two cores parallel imports only compete

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        revoke_for_run(self.stack, self.prefix)

    def client(self, agent_id: str, role: Role, timeout: float = 15) -> OmsClient:
        return OmsClient(
            self.stack.kafka_bootstrap,
            Actor(agent_id=agent_id, role=role),
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
