"""Apache Kafka in KRaft mode from Maven Central jars: one node, broker and controller.

Without Docker there is no Kafka image, but the broker is plain Java: Maven
fetches `kafka_2.13` and its dependencies once into a cache shared by all
checkouts, then `kafka.Kafka` runs from that class path.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import uuid
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from devstack.aio import run_blocking
from devstack.component import Component
from devstack.ports import HOST, is_listening, reuse_or_pick
from devstack.procs import ProcessInfo, run, spawn, terminate
from devstack.tools import require_command

# 4.1.x is the target; 3.9.x is the fallback should 4.1.x not resolve.
KAFKA_VERSIONS = ("4.1.1", "3.9.1")
VERSION_ENV = "OMS_KAFKA_VERSION"
HEAP_ENV = "OMS_KAFKA_HEAP_OPTS"
COMPLETE_MARKER = ".complete"

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


def server_properties(port: int, controller_port: int, data_dir: Path) -> str:
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        # A static quorum (not --standalone) so the controller port may change
        # between restarts: the voter set is read from here, not from the log.
        "controller.quorum.voters": f"1@{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
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
        "auto.create.topics.enable": "true",
        "delete.topic.enable": "true",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _read_cluster_id(meta: Path) -> str | None:
    for line in meta.read_text().splitlines():
        if line.startswith("cluster.id="):
            return line.split("=", 1)[1].strip()
    return None


async def _describe_cluster(bootstrap: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
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


class Kafka(Component):
    name = "kafka"

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
        return {"OMS_KAFKA_BOOTSTRAP": self.bootstrap} if self.bootstrap else {}

    def is_healthy(self) -> bool:
        port = self.state.kafka.port
        if port is None or not is_listening(port):
            return False
        bootstrap = f"{HOST}:{port}"
        return run_blocking(lambda: _describe_cluster(bootstrap))

    def start(self) -> None:
        kafka = self.state.kafka
        libs = self.ensure_libs()
        kafka.port = reuse_or_pick(kafka.port)
        kafka.controller_port = reuse_or_pick(kafka.controller_port, kafka.port)
        self._write_config(kafka.port, kafka.controller_port)
        self._format_storage(libs)
        argv = self._java_argv(libs, "kafka.Kafka", self._properties)
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

    def _write_config(self, port: int, controller_port: int) -> None:
        self.paths.kafka_dir.mkdir(parents=True, exist_ok=True)
        self._properties.write_text(server_properties(port, controller_port, self.data_dir))
        self._log4j.write_text(LOG4J2_XML)

    def _format_storage(self, libs: Path) -> None:
        meta = self.data_dir / "meta.properties"
        if meta.exists():
            self.state.kafka.cluster_id = _read_cluster_id(meta)
            return
        cluster_id = new_cluster_id()
        argv = self._java_argv(libs, "kafka.tools.StorageTool", None)
        run([*argv, "format", f"--cluster-id={cluster_id}", "-c", str(self._properties)], self.log_path, timeout=120)
        self.state.kafka.cluster_id = cluster_id

    def _java_argv(self, libs: Path, main_class: str, properties: Path | None) -> list[str]:
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
            "-cp",
            f"{libs}/*",
            main_class,
        ]
        return [*argv, str(properties)] if properties else argv
