"""Settings shared by every service, read from ``OMS_*`` environment variables.

A service extends :class:`ServiceSettings` with its own fields; all of them are documented in the
README's configuration table.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.runtime.retry import RetryPolicy

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMS_", extra="ignore")

    service_name: str = "service"
    # Who this process is among the instances of its service: in-flight work (an e-mail being sent)
    # is recorded under it. The host name by default: unique per container or machine, and the same
    # when a container restarts, so a restarted instance takes back its own work at once (another
    # instance takes it after a lease). Several instances on one host need OMS_INSTANCE_ID each.
    instance_id: str = Field(default_factory=socket.gethostname, min_length=1, max_length=64)

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None  # client certificate, for clusters that want mutual TLS
    kafka_ssl_keyfile: Path | None = None
    # Durability of the topics the services create: on a multi-broker cluster use 3 and 2, so an
    # acks=all write survives the loss of one broker (see docs/security.md).
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_min_insync_replicas: int | None = Field(default=None, ge=1)
    topic_prefix: str = ""
    consumer_group: str | None = None  # default: "<topic_prefix><service_name>"
    # Consumer group timing (the Kafka client's defaults): a member that stops heartbeating is
    # dropped after the session timeout; the others hear of a rebalance at their next heartbeat,
    # so a (re)started service has all its partitions a few heartbeats after it joined.
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1)
    kafka_heartbeat_interval_ms: int = Field(default=3_000, ge=1)
    # How long one poll of a quiet topic waits before the subscriber polls again. FastStream's batch
    # subscriber sleeps as long again after an empty poll, so a command arriving on a quiet topic
    # waits up to this long per hop; a poll that finds records returns at once (services/runtime/
    # service.py). Small enough not to be seen in a CSR's reply time, large enough to cost no CPU.
    kafka_poll_ms: int = Field(default=10, ge=1, le=1_000)
    # Static membership (group.instance.id = instance id + subscriber): a restarted instance that
    # comes back within the session timeout gets its partitions back without a rebalance. But a
    # static member does not leave its group when it stops, so its partitions wait for the session
    # timeout at every stop; off by default (a stop hands them over at once).
    kafka_static_membership: bool = False

    # PostgreSQL: a server DSN without database; each service uses its own database.
    pg_dsn: str = "postgresql://postgres@127.0.0.1:5432"
    db_name: str | None = None  # default: the service name
    pg_ssl: Literal["disable", "prefer", "require", "verify-ca", "verify-full"] | None = Field(
        default=None, validation_alias=AliasChoices("OMS_PG_SSL", "OMS_PG_SSLMODE", "pg_ssl")
    )
    pg_sslrootcert: Path | None = None  # CA that signed the server's certificate (verify-ca, verify-full)
    pg_pool_min: int = 2
    pg_pool_max: int = 10
    # Bounded waiting: a transaction left open by a frozen or stopped instance (SIGSTOP, a long GC
    # pause, a hung network) is ended by PostgreSQL after this long, releasing its row locks; and
    # no statement waits longer than pg_lock_timeout_ms for a lock (it is retried like a lost lock
    # race instead). 0 turns either off.
    pg_idle_in_transaction_timeout_ms: int = Field(default=30_000, ge=0)
    pg_lock_timeout_ms: int = Field(default=10_000, ge=0)

    # HTTP: /health, /ready, /metrics
    http_host: str = "127.0.0.1"
    http_port: int = 0  # 0 = no HTTP server

    # Secrets sealed by channels (contracts.sealing) are opened with this key.
    sealing_key_file: Path | None = None

    # Access tokens (OIDC): every command and query carries one; the service verifies it against
    # the issuer's signing keys and takes the actor from it (services/runtime/identity.py).
    oidc_issuer: str | None = None  # required to run a service; checked at startup (main.py)
    oidc_audience: str = "csr-oms"
    oidc_algorithms: str = "RS256,PS256,ES256"  # comma separated; asymmetric only
    oidc_jwks_url: str | None = None  # default: jwks_uri of <issuer>/.well-known/openid-configuration
    oidc_leeway_s: float = Field(default=30.0, ge=0, le=300)
    oidc_roles_claim: str = "realm_access.roles"  # dotted path to a list of role names
    oidc_agent_claim: str = "preferred_username"  # dotted path to the agent id
    # The service's own client credentials (Kafka OAUTHBEARER); the token endpoint is discovered.
    # The broker takes the principal (for its ACLs) from the token's client id.
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None

    # Runtime behaviour
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    # One line per handled message (type, ids, outcome, code, duration, trace id): the operator's
    # record of what the service did. Off only where that volume is not wanted (a benchmark).
    log_handled: bool = True
    # OpenTelemetry traces: exported by OTLP over HTTP to this endpoint (e.g. http://collector:4318),
    # or to the standard OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT; off when neither is set.
    otel_exporter_otlp_endpoint: str | None = None
    relay_batch_size: int = 500
    relay_poll_interval_s: float = 0.5
    # One instance relays the outbox at a time, under a lease it renews (services/runtime/lease.py):
    # a holder that freezes or dies loses it this long after its last renewal, and another instance
    # takes over then; the others try every relay_poll_interval_s.
    relay_lease_s: float = Field(default=5.0, ge=1.0)
    # A row that keeps failing for a reason of its own (its topic does not exist) is parked after
    # this many attempts, waiting base, 2x base, ... up to max seconds in between; a row Kafka
    # can never take (invalid topic, too large, not authorized) is parked at once.
    relay_max_attempts: int = Field(default=5, ge=1)
    relay_retry_base_s: float = Field(default=0.5, gt=0)
    relay_retry_max_s: float = Field(default=30.0, gt=0)
    # /ready answers 503 while the oldest row waiting in the outbox is older than this.
    ready_outbox_max_age_s: float = Field(default=60.0, gt=0)
    outbox_retention_hours: int = 24
    max_handler_attempts: int = 5
    # Records handled in one transaction (one commit per fetch). Each message's savepoint that writes
    # takes a subtransaction id, and past 64 of them in one transaction PostgreSQL's snapshots of
    # every other session "overflow" to the slow pg_subtrans lookup: stay below that.
    consume_batch_size: int = Field(default=60, ge=1, le=64)
    # After a batch was cut by the global lock order (services/runtime/ordered_locks.py: another
    # instance or subscriber holds keys this one wants), batches take a savepoint per message for
    # this long, so that the next cuts commit the messages before them instead of handling them
    # again. A service that never meets another's locks never pays for the savepoints.
    lock_order_contended_s: float = Field(default=30.0, ge=0)

    @field_validator("oidc_algorithms")
    @classmethod
    def _asymmetric_only(cls, value: str) -> str:
        """A public JWKS can only vouch for asymmetric signatures: ``none`` proves nothing, and an
        HS* algorithm would let anyone who read the public key (it is public) sign tokens with it."""
        names = [name.strip() for name in value.split(",") if name.strip()]
        refused = [name for name in names if name not in ASYMMETRIC_ALGORITHMS]
        if refused or not names:
            allowed = ", ".join(sorted(ASYMMETRIC_ALGORITHMS))
            raise ValueError(f"OMS_OIDC_ALGORITHMS may list only {allowed}; refused: {', '.join(refused) or 'empty'}")
        return ",".join(names)

    @property
    def oidc_algorithm_list(self) -> list[str]:
        return self.oidc_algorithms.split(",")

    @property
    def database(self) -> str:
        return self.db_name or self.service_name

    @property
    def group_id(self) -> str:
        return self.consumer_group or f"{self.topic_prefix}{self.service_name}"

    def relay_retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.relay_retry_base_s, self.relay_retry_max_s, self.relay_max_attempts)

    def topic(self, name: str) -> str:
        return self.topic_prefix + name

    def database_dsn(self, database: str | None = None) -> str:
        return f"{self.pg_dsn.rstrip('/')}/{database or self.database}"

    def sealing_key(self) -> str | None:
        if self.sealing_key_file is None:
            return None
        return self.sealing_key_file.read_text().strip()
