"""SASL/TLS to Kafka, TLS to PostgreSQL and topic durability: each OMS_* setting reaches the options
the clients are built with."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faststream.security import SASLOAuthBearer, SASLScram512

from services.runtime.db import _connect_kwargs
from services.runtime.kafka import broker_options, client_options, new_topic
from services.runtime.settings import ServiceSettings


def _self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _ca_names(context: ssl.SSLContext) -> set[str]:
    names = set()
    for cert in context.get_ca_certs():
        for rdn in cert["subject"]:
            names |= {str(value) for key, value in rdn if key == "commonName"}  # type: ignore[str-unpack]
    return names


def test_plaintext_kafka_by_default() -> None:
    options = client_options(ServiceSettings())

    assert options == {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "PLAINTEXT"}


def test_sasl_over_tls_to_kafka_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ca, _ = _self_signed(tmp_path, "oms-test-kafka-ca")
    client_cert, client_key = _self_signed(tmp_path, "oms-test-client")
    for name, value in {
        "OMS_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "OMS_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "OMS_KAFKA_SASL_USERNAME": "orders",
        "OMS_KAFKA_SASL_PASSWORD": "s3cret-pw",
        "OMS_KAFKA_SSL_CAFILE": str(ca),
        "OMS_KAFKA_SSL_CERTFILE": str(client_cert),
        "OMS_KAFKA_SSL_KEYFILE": str(client_key),
    }.items():
        monkeypatch.setenv(name, value)

    settings = ServiceSettings()
    options = client_options(settings)

    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("orders", "s3cret-pw")
    context = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert "oms-test-kafka-ca" in _ca_names(context)
    assert "s3cret-pw" not in repr(settings)  # a SecretStr: never in a log line or a traceback


def test_a_missing_client_key_fails_at_start_not_at_first_use(tmp_path: Path) -> None:
    ca, _ = _self_signed(tmp_path, "ca")
    settings = ServiceSettings(
        kafka_security_protocol="SSL", kafka_ssl_cafile=ca, kafka_ssl_certfile=tmp_path / "missing.pem"
    )
    with pytest.raises(FileNotFoundError):
        client_options(settings)


def test_topics_get_the_configured_replication_and_min_insync_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMS_KAFKA_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("OMS_KAFKA_MIN_INSYNC_REPLICAS", "2")

    topic = new_topic(ServiceSettings(), "orders.commands", 6)

    assert (topic.name, topic.num_partitions, topic.replication_factor) == ("orders.commands", 6, 3)
    assert topic.topic_configs == {"min.insync.replicas": "2"}
    single = new_topic(ServiceSettings(kafka_replication_factor=1, kafka_min_insync_replicas=None), "t", 1)
    assert (single.replication_factor, single.topic_configs) == (1, {})


def test_postgres_without_tls_by_default() -> None:
    assert _connect_kwargs(ServiceSettings()) == {}


@pytest.mark.parametrize("variable", ["OMS_PG_SSL", "OMS_PG_SSLMODE"])
def test_postgres_require_from_either_variable(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, "require")

    assert _connect_kwargs(ServiceSettings()) == {"ssl": "require"}


@pytest.mark.parametrize(("mode", "checks_hostname"), [("verify-ca", False), ("verify-full", True)])
def test_postgres_verification_uses_the_root_certificate(
    mode: str, checks_hostname: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, _ = _self_signed(tmp_path, "oms-test-pg-ca")
    monkeypatch.setenv("OMS_PG_SSLMODE", mode)
    monkeypatch.setenv("OMS_PG_SSLROOTCERT", str(ca))

    context = _connect_kwargs(ServiceSettings())["ssl"]

    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is checks_hostname
    assert "oms-test-pg-ca" in _ca_names(context)


def test_oauthbearer_gives_every_client_the_service_s_own_token_provider() -> None:
    settings = ServiceSettings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="OAUTHBEARER",
        oidc_issuer="http://127.0.0.1:1/realms/csr-oms",
        oidc_client_id="orders-service",
        oidc_client_secret="orders-service-dev-secret",
    )
    options = client_options(settings)
    provider = options["sasl_oauth_token_provider"]
    assert options["sasl_mechanism"] == "OAUTHBEARER"
    assert provider.client_id == "orders-service"
    assert client_options(settings)["sasl_oauth_token_provider"] is provider  # one cached token per client
    assert "dev-secret" not in repr(provider)
    broker = broker_options(settings)  # FastStream: a security object and the provider beside it
    assert isinstance(broker["security"], SASLOAuthBearer) and not broker["security"].use_ssl
    assert broker["sasl_oauth_token_provider"] is provider
    assert "security_protocol" not in broker and "sasl_mechanism" not in broker


def test_oauthbearer_without_client_credentials_names_what_is_missing() -> None:
    settings = ServiceSettings(kafka_sasl_mechanism="OAUTHBEARER", oidc_client_id="orders-service")
    with pytest.raises(ValueError, match="OMS_OIDC_ISSUER, OMS_OIDC_CLIENT_SECRET"):
        client_options(settings)


def test_scram_reaches_faststream_as_its_security_object() -> None:
    settings = ServiceSettings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="orders",
        kafka_sasl_password="pw",
    )
    security = broker_options(settings)["security"]
    assert isinstance(security, SASLScram512)
    assert (security.username, security.password, security.use_ssl) == ("orders", "pw", False)
