"""What every ``csr`` command shares: the options that say who acts and how long to wait, the
client built from configuration, and one place that turns what went wrong into a readable
message and an exit code (0 done, 1 rejected by the system, 2 bad input or configuration,
3 Kafka unreachable or no reply) — never a traceback for a user's mistake."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import typer
from aiokafka.errors import KafkaError

from contracts.envelope import Actor, Command, Message, Query
from contracts.sealing import seal
from csr.client import OmsClient
from csr.config import ClientConfig
from csr.errors import EXIT_UNAVAILABLE, BrokerUnavailable, ClientError, ConfigError, UsageError
from csr.messages import build
from csr.render import Output

EXIT_INTERRUPTED = 130


@dataclass
class Session:
    agent: str | None = None
    role: str | None = None
    timeout: float | None = None
    attempts: int | None = None
    json_mode: bool = False
    _config: ClientConfig | None = field(default=None, repr=False)

    @property
    def output(self) -> Output:
        return Output(self.json_mode)

    def config(self) -> ClientConfig:
        if self._config is None:
            self._config = ClientConfig.load(self.agent, self.role, self.timeout, self.attempts)
        return self._config

    def client(self, actor: Actor | None = None, config: ClientConfig | None = None) -> OmsClient:
        config = config or self.config()
        return OmsClient(
            config.kafka_bootstrap,
            actor or config.actor,
            topic_prefix=config.topic_prefix,
            sealing_public_key=config.sealing_public_key,
            timeout=config.timeout,
            attempts=config.attempts,
            kafka_options=config.kafka_options,
        )

    def sealer(self, what: str) -> Callable[[str], str]:
        def seal_with_key(secret: str) -> str:
            key = self.config().sealing_public_key
            if not key:
                raise ConfigError(
                    f"{what} has secrets, sealed with the services' public key before sending, and no key is "
                    "configured: set OMS_SEALING_PUBLIC_KEY_FILE"
                )
            return seal(secret, key)

        return seal_with_key

    # --- running ---------------------------------------------------------------------------

    def run(self, work: Callable[[], Awaitable[int | None]]) -> NoReturn:
        """Run ``work`` and exit with its code, or with the code of what went wrong."""
        output = self.output
        try:
            code = asyncio.run(_call(work)) or 0
        except ClientError as exc:
            output.failed(exc)
            code = exc.exit_code
        except KafkaError as exc:
            output.failed(BrokerUnavailable(f"Kafka: {exc}"))
            code = EXIT_UNAVAILABLE
        except KeyboardInterrupt:
            code = EXIT_INTERRUPTED
        raise typer.Exit(code)

    def send(
        self,
        cls: type[Message],
        fields: dict[str, Any] | Callable[[], dict[str, Any]],
        *,
        title: str | None = None,
        message_id: str | uuid.UUID | None = None,
        dry_run: bool = False,
    ) -> NoReturn:
        """Validate ``fields`` as ``cls`` (sealing its secrets), send it, show the reply.

        ``fields`` may be a function, so that what it gets wrong (a malformed option, a prompt
        that cannot be answered) is reported like every other mistake."""

        async def work() -> int:
            self.config()  # who acts and where: wrong settings are the first thing to report
            retry_of = parse_id(message_id)
            values = fields() if callable(fields) else fields
            message = build(cls, values, seal=self.sealer(cls.TYPE))
            return await self.send_message(message, title=title, message_id=retry_of, dry_run=dry_run)

        self.run(work)

    async def send_message(
        self, message: Message, *, title: str | None = None, message_id: uuid.UUID | None = None, dry_run: bool = False
    ) -> int:
        if not isinstance(message, Command | Query):
            raise UsageError(f"{message.TYPE} is not a command or a query")
        output = self.output
        client = self.client()
        envelope = client.envelope(message, message_id=message_id or uuid.uuid4())
        if dry_run:
            output.json({"topic": client.prefix + message.TOPIC, **envelope.model_dump(mode="json")})
            return 0
        async with client:
            reply = await client.send_envelope(envelope, message.TOPIC, message.partition_key())
        if reply.accepted:
            output.accepted(reply, title)
            return 0
        output.rejected(reply)
        return 1


def parse_id(value: str | uuid.UUID | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except ValueError:
        raise UsageError(f"--message-id {value!r} is not a UUID") from None


async def _call(work: Callable[[], Awaitable[int | None]]) -> int | None:
    return await work()


def session(ctx: typer.Context) -> Session:
    """The session the root command built from the global options."""
    root = ctx.find_root()
    if not isinstance(root.obj, Session):
        root.obj = Session()
    return root.obj
