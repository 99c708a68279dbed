"""The client library: what any Python program needs to talk to csr-oms over Kafka, and nothing of
the command line (no click, typer or rich; an import-linter contract keeps it so).

- :class:`OmsClient` sends any command or query from ``contracts`` and awaits its reply;
  :func:`follow` yields the events on topics (:mod:`csr.client.oms_client`).
- Token providers say who sends (:mod:`csr.client.auth`): ``ClientCredentials`` for a system,
  ``PasswordLogin`` for a person (dev realm, tests), ``CachedLogin`` for the ``csr login`` file.
- Settings are found the way ``csr`` finds them (:mod:`csr.client.config`): ``ClientConfig``,
  ``kafka_options_for``.
- Messages by name and events as they arrive (:mod:`csr.client.messages`, :mod:`csr.client.events`).
- Every error the library raises on purpose is a :class:`ClientError` (:mod:`csr.client.errors`).
"""

from csr.client.auth import (
    CachedLogin,
    ClientCredentials,
    PasswordLogin,
    StaticToken,
    TokenProvider,
)
from csr.client.config import ClientConfig, kafka_options_for
from csr.client.errors import (
    BrokerUnavailable,
    ClientError,
    ConfigError,
    InvalidInput,
    ReplyTimeout,
    RequestRejected,
    UnknownMessageType,
    UsageError,
)
from csr.client.events import EventStream, Received
from csr.client.oms_client import Accepted, OmsClient, follow

__all__ = [
    "Accepted",
    "BrokerUnavailable",
    "CachedLogin",
    "ClientConfig",
    "ClientCredentials",
    "ClientError",
    "ConfigError",
    "EventStream",
    "InvalidInput",
    "OmsClient",
    "PasswordLogin",
    "Received",
    "ReplyTimeout",
    "RequestRejected",
    "StaticToken",
    "TokenProvider",
    "UnknownMessageType",
    "UsageError",
    "follow",
    "kafka_options_for",
]
