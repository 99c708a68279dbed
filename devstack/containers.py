"""Kafka and PostgreSQL from testcontainers, for machines where a Docker engine answers.

The SMTP sink stays the local aiosmtpd process either way: tests read the messages it stores;
Keycloak too (devstack.keycloak), so the realm and its helpers are the same on both paths.
Containers live as long as the test process (testcontainers' reaper removes them after).
This path cannot run on the project's own CI machines (no Docker engine there), so it is kept
deliberately small.
"""

from __future__ import annotations

import atexit
from typing import Any

from devstack.endpoints import StackEndpoints
from devstack.keycloak import Keycloak
from devstack.paths import StackPaths
from devstack.smtp import SmtpSink
from devstack.state import load_state, save_state

KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"  # KRaft mode; testcontainers' Kafka module knows this image
POSTGRES_IMAGE = "postgres:16"


def ensure_container_stack(paths: StackPaths) -> StackEndpoints:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    kafka: Any = KafkaContainer(KAFKA_IMAGE).with_kraft()
    # A throw-away container reachable only from this machine: a fixed password is fine.
    postgres: Any = PostgresContainer(POSTGRES_IMAGE, username="postgres", password="postgres", dbname="postgres")  # noqa: S106
    kafka.start()
    postgres.start()
    atexit.register(kafka.stop)
    atexit.register(postgres.stop)

    state = load_state(paths.state_file)
    smtp = SmtpSink(paths, state)
    smtp.ensure()
    keycloak = Keycloak(paths, state)
    keycloak.ensure()
    save_state(state, paths.state_file, paths.env_file)
    host = postgres.get_container_host_ip()
    port = postgres.get_exposed_port(5432)
    return StackEndpoints(
        kafka_bootstrap=kafka.get_bootstrap_server(),
        pg_dsn=f"postgresql://postgres:postgres@{host}:{port}",
        smtp_host=smtp.env()["OMS_SMTP_HOST"],
        smtp_port=int(smtp.env()["OMS_SMTP_PORT"]),
        mail_dir=paths.mail_dir,
        oidc_issuer=keycloak.env()["OMS_OIDC_ISSUER"],
        keycloak_url=keycloak.env()["OMS_KEYCLOAK_URL"],
    )
