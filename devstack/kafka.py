"""Apache Kafka in KRaft mode from Maven Central jars: one node, broker and controller.

Without Docker there is no Kafka image, but the broker is plain Java: Maven
fetches `kafka_2.13` and its dependencies once into a cache shared by all
checkouts, then `kafka.Kafka` runs from that class path.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from devstack.aio import run_blocking
from devstack.component import Component
from devstack.kafka_auth import admin_kafka_options, kafka_client_env
from devstack.paths import StackPaths
from devstack.ports import HOST, is_listening, reuse_or_pick
from devstack.procs import ProcessInfo, StartupError, run, spawn, terminate
from devstack.state import StackState
from devstack.tools import require_command

# 4.1.x is the target; 3.9.x is the fallback should 4.1.x not resolve.
KAFKA_VERSIONS = ("4.1.1", "3.9.1")
VERSION_ENV = "OMS_KAFKA_VERSION"
HEAP_ENV = "OMS_KAFKA_HEAP_OPTS"
COMPLETE_MARKER = ".complete"
ADMIN_PRINCIPAL = "oms-admin"  # tooling, the ACL script and test harnesses: a super user
BROKER_PRINCIPAL = "kafka-broker"  # the broker talking to its own controller
KAFKA_AUDIENCE = "kafka"  # the tokens' aud the broker accepts

LOG4J2_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by devstack. INFO to stdout, which devstack appends to logs/kafka.log. -->
<Configuration status="WARN">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="STDOUT"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
  </Loggers>
</Configuration>
"""


def new_cluster_id() -> str:
    """Same format as `kafka-storage random-uuid`, without starting a JVM.

    Like Kafka's own Uuid.randomUuid, never one starting with "-": `format -t -abc` reads it as an
    option and fails (one id in 64; it broke a CI run's private stack).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


@dataclass(frozen=True)
class BrokerSecurity:
    """What the broker needs to check who connects: the identity provider and its own secret."""

    issuer: str
    jwks_url: str
    # Password of the broker's own principal on the loopback controller and inter-broker
    # listeners (SASL/PLAIN); random per stack, kept in .stack/kafka/internal.secret (0600).
    internal_password: str

    @property
    def allowed_urls(self) -> str:
        """Kafka 4 fetches no OAuth URL unless allowed by this system property's list."""
        return self.jwks_url


def _plain_jaas(password: str) -> str:
    # Server side (user_<name>) and the broker's own client side (username/password) in one.
    return (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{BROKER_PRINCIPAL}" password="{password}" user_{BROKER_PRINCIPAL}="{password}";'
    )


def _security_settings(security: BrokerSecurity) -> dict[str, str]:
    internal = _plain_jaas(security.internal_password)
    return {
        # Clients: SASL/OAUTHBEARER, the JWT checked against the issuer's keys; the principal is
        # the token's client id (azp), e.g. User:web-shop, User:orders-service.
        "listener.name.client.sasl.enabled.mechanisms": "OAUTHBEARER",
        "listener.name.client.oauthbearer.sasl.jaas.config": (
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ;"
        ),
        "listener.name.client.oauthbearer.sasl.server.callback.handler.class": (
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler"
        ),
        "sasl.oauthbearer.jwks.endpoint.url": security.jwks_url,
        "sasl.oauthbearer.expected.issuer": security.issuer,
        "sasl.oauthbearer.expected.audience": KAFKA_AUDIENCE,
        "sasl.oauthbearer.sub.claim.name": "azp",
        # Keycloak rotates keys; a kid the broker has not seen makes it fetch the key set anyway.
        "sasl.oauthbearer.jwks.endpoint.refresh.ms": "60000",
        # No connections.max.reauth.ms: aiokafka cannot re-authenticate (KIP-368), so the broker
        # would drop every client connection at each token's expiry. A token is checked when a
        # connection opens; revoking a client is done with the ACLs, which apply at once.
        # The broker itself, on loopback-only listeners: SASL/PLAIN with a per-stack secret
        # (SCRAM credentials live in the metadata log the controller serves; OAUTHBEARER would make
        # the broker's own connections depend on Keycloak).
        "listener.name.broker.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.broker.plain.sasl.jaas.config": internal,
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": internal,
        "sasl.mechanism.inter.broker.protocol": "PLAIN",
        "sasl.mechanism.controller.protocol": "PLAIN",
        # Nothing is allowed unless an ACL says so (devstack/acls.py applies them).
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found": "false",
        "super.users": f"User:{ADMIN_PRINCIPAL};User:{BROKER_PRINCIPAL}",
    }


def server_properties(
    port: int, controller_port: int, broker_port: int, data_dir: Path, security: BrokerSecurity
) -> str:
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        # A static quorum (not --standalone) so the controller port may change
        # between restarts: the voter set is read from here, not from the log.
        "controller.quorum.voters": f"1@{HOST}:{controller_port}",
        "listeners": f"CLIENT://{HOST}:{port},BROKER://{HOST}:{broker_port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"CLIENT://{HOST}:{port},BROKER://{HOST}:{broker_port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "BROKER",
        "listener.security.protocol.map": "CLIENT:SASL_PLAINTEXT,BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT",
        **_security_settings(security),
        "log.dirs": str(data_dir),
        "num.partitions": "3",
        "default.replication.factor": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        # Fewer internal partitions: the first consumer group appears much sooner.
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.num.partitions": "10",
        "group.initial.rebalance.delay.ms": "0",
        # Topics are created on purpose, with the contract's partition counts (contracts/topics.py);
        # a typo must fail, not create a topic that nobody reads.
        "auto.create.topics.enable": "false",
        "delete.topic.enable": "true",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _read_cluster_id(meta: Path) -> str | None:
    for line in meta.read_text().splitlines():
        if line.startswith("cluster.id="):
            return line.split("=", 1)[1].strip()
    return None


async def _describe_cluster(options: dict[str, Any]) -> bool:
    admin = AIOKafkaAdminClient(**options, request_timeout_ms=5000)
    try:
        await admin.start()
        await admin.describe_cluster()
        return True
    except Exception:  # noqa: BLE001 - any failure just means "not ready yet"
        return False
    finally:
        # Closing a client whose start() failed may raise too; nothing to do then.
        with contextlib.suppress(Exception):
            await admin.close()


def discover_jwks_url(issuer: str) -> str:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    # Only the stack's own identity provider (http://127.0.0.1:<port>/realms/...).
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        jwks = json.loads(response.read()).get("jwks_uri")
    if not isinstance(jwks, str):
        raise StartupError(f"{url} names no jwks_uri")
    return jwks


class Kafka(Component):
    name = "kafka"

    def __init__(self, paths: StackPaths, state: StackState, issuer: Callable[[], str | None] | None = None) -> None:
        super().__init__(paths, state)
        # The identity provider whose tokens the broker accepts (the stack's Keycloak realm).
        self._issuer = issuer or (lambda: os.environ.get("OMS_OIDC_ISSUER"))

    @property
    def issuer(self) -> str:
        issuer = self._issuer()
        if not issuer:
            raise StartupError("Kafka authenticates clients against Keycloak, which is not running")
        return issuer

    @property
    def process(self) -> ProcessInfo | None:
        return self.state.kafka.process

    @property
    def data_dir(self) -> Path:
        return self.paths.kafka_dir / "data"

    @property
    def bootstrap(self) -> str | None:
        port = self.state.kafka.port
        return f"{HOST}:{port}" if port else None

    def env(self) -> dict[str, str]:
        if not self.bootstrap:
            return {}
        issuer = self._issuer()
        # Without an issuer (a stack from before Keycloak, not started since) clients get the
        # bootstrap only; `up` starts Keycloak first and then this broker with authentication.
        return {"OMS_KAFKA_BOOTSTRAP": self.bootstrap, **(kafka_client_env(issuer) if issuer else {})}

    def admin_options(self) -> dict[str, Any]:
        """Client options of the super user oms-admin for this broker."""
        if not self.bootstrap:
            raise StartupError("Kafka has never been started")
        return admin_kafka_options(self.bootstrap, {**os.environ, **self.env()})

    def is_healthy(self) -> bool:
        port = self.state.kafka.port
        if port is None or not is_listening(port):
            return False
        try:
            options = self.admin_options()
        except StartupError:
            return False
        return run_blocking(lambda: _describe_cluster(options))

    def start(self) -> None:
        kafka = self.state.kafka
        libs = self.ensure_libs()
        kafka.port = reuse_or_pick(kafka.port)
        kafka.controller_port = reuse_or_pick(kafka.controller_port, kafka.port)
        kafka.broker_port = reuse_or_pick(kafka.broker_port, kafka.port, kafka.controller_port)
        security = self._security()
        self._write_config(kafka.port, kafka.controller_port, kafka.broker_port, security)
        self._format_storage(libs)
        argv = self._java_argv(
            libs,
            "kafka.Kafka",
            self._properties,
            [f"-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls={security.allowed_urls}"],
        )
        # cwd: where a crashing JVM drops hs_err files, kept out of the checkout.
        kafka.process = spawn(argv, self.log_path, cwd=self.paths.kafka_dir)
        # A cold JVM on two cores needs a while; 120 s leaves room for a busy CI box.
        self.wait_healthy(timeout=120.0, interval=0.5)

    def stop(self) -> None:
        # A single node shuts down in a few seconds; give it time to close logs cleanly.
        terminate(self.state.kafka.process, grace=30.0)
        self.state.kafka.process = None

    def wipe(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.state.kafka.cluster_id = None
        self.state.kafka.version = None

    # -- jars ---------------------------------------------------------------------

    def ensure_libs(self) -> Path:
        """Class path directory for the version this stack uses, fetching it if needed."""
        errors: list[str] = []
        for version in self._candidate_versions():
            libs = self.paths.kafka_libs(version)
            try:
                if not (libs / COMPLETE_MARKER).exists():
                    self._fetch(version, libs)
            except RuntimeError as exc:
                errors.append(f"{version}: {exc}")
                continue
            self.state.kafka.version = version
            return libs
        raise RuntimeError("could not fetch Kafka jars:\n" + "\n".join(errors))

    def _candidate_versions(self) -> list[str]:
        pinned = os.environ.get(VERSION_ENV)
        if pinned:
            return [pinned]
        recorded = self.state.kafka.version
        # Storage formatted by one version must keep running on that version.
        if recorded and (self.data_dir / "meta.properties").exists():
            return [recorded]
        cached = [v for v in KAFKA_VERSIONS if (self.paths.kafka_libs(v) / COMPLETE_MARKER).exists()]
        return cached[:1] or list(KAFKA_VERSIONS)

    def _fetch(self, version: str, libs: Path) -> None:
        maven_log = self.paths.log("maven")
        mvn = require_command("mvn", "maven", maven_log)
        require_command("java", "default-jre-headless", maven_log)
        # Download into a private directory and rename, so an interrupted or
        # concurrent fetch never leaves a half-filled class path behind.
        staging = libs.with_name(f"libs.partial-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        run(
            [
                mvn,
                "-B",
                "-q",
                "-f",
                str(self.paths.kafka_pom),
                f"-Dkafka.version={version}",
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={staging}",
            ],
            maven_log,
            timeout=900,
        )
        (staging / COMPLETE_MARKER).write_text(version + "\n")
        if (libs / COMPLETE_MARKER).exists():
            # Another checkout's fetch finished first and may already be running from it.
            shutil.rmtree(staging)
            return
        shutil.rmtree(libs, ignore_errors=True)
        staging.rename(libs)

    # -- configuration and storage -----------------------------------------------------

    @property
    def _properties(self) -> Path:
        return self.paths.kafka_dir / "server.properties"

    @property
    def _log4j(self) -> Path:
        return self.paths.kafka_dir / "log4j2.xml"

    def _security(self) -> BrokerSecurity:
        issuer = self.issuer
        return BrokerSecurity(issuer, discover_jwks_url(issuer), self._internal_password())

    def _internal_password(self) -> str:
        secret_file = self.paths.kafka_dir / "internal.secret"
        if not secret_file.exists():
            self.paths.kafka_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
        return secret_file.read_text().strip()

    def _write_config(self, port: int, controller_port: int, broker_port: int, security: BrokerSecurity) -> None:
        self.paths.kafka_dir.mkdir(parents=True, exist_ok=True)
        properties = server_properties(port, controller_port, broker_port, self.data_dir, security)
        # The file holds the broker's internal password: readable by this user only.
        fd = os.open(self._properties, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(properties)
        self._properties.chmod(0o600)  # also when an older stack wrote it world-readable
        self._log4j.write_text(LOG4J2_XML)

    def _format_storage(self, libs: Path) -> None:
        meta = self.data_dir / "meta.properties"
        if meta.exists():
            self.state.kafka.cluster_id = _read_cluster_id(meta)
            return
        cluster_id = new_cluster_id()
        argv = self._java_argv(libs, "kafka.tools.StorageTool", None, [])
        run([*argv, "format", f"--cluster-id={cluster_id}", "-c", str(self._properties)], self.log_path, timeout=120)
        self.state.kafka.cluster_id = cluster_id

    def _java_argv(
        self, libs: Path, main_class: str, properties: Path | None, system_properties: list[str]
    ) -> list[str]:
        java = require_command("java", "default-jre-headless", self.paths.log("maven"))
        heap = os.environ.get(HEAP_ENV, "-Xms256m -Xmx512m").split()
        argv = [
            java,
            *heap,
            "-XX:+UseG1GC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self._log4j}",
            f"-Dkafka.logs.dir={self.paths.logs}",
            *system_properties,
            "-cp",
            f"{libs}/*",
            main_class,
        ]
        return [*argv, str(properties)] if properties else argv
