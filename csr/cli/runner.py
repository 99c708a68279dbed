"""What every ``csr`` command shares: the options that say how long to wait, the client built
from configuration and the saved login (``csr login``), and one place that turns what went wrong
into a readable message and an exit code (0 done, 1 rejected by the system, 2 bad input or
configuration, 3 Kafka unreachable or no reply) — never a traceback for a user's mistake."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import inspect
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

import typer
from aiokafka.errors import KafkaError

from contracts.envelope import Command, Message, Query
from contracts.sealing import seal
from csr.cli.call_context import load_call
from csr.client.auth import TokenProvider, claims, identity, load_login
from csr.client.config import ClientConfig
from csr.client.errors import EXIT_UNAVAILABLE, BrokerUnavailable, ClientError, ConfigError, RequestRejected, UsageError
from csr.client.messages import build
from csr.client.oms_client import OmsClient
from csr.console.render import Output

EXIT_INTERRUPTED = 130


@dataclass
class Session:
    timeout: float | None = None
    attempts: int | None = None
    json_mode: bool = False
    _config: ClientConfig | None = field(default=None, repr=False)

    @property
    def output(self) -> Output:
        return Output(self.json_mode)

    def config(self) -> ClientConfig:
        if self._config is None:
            self._config = ClientConfig.load(self.timeout, self.attempts)
        return self._config

    def client(self, token_provider: TokenProvider | None = None, config: ClientConfig | None = None) -> OmsClient:
        """A client acting as ``token_provider`` says; by default as the saved login, which must
        exist (``NotLoggedIn``: run csr login) before anything connects."""
        config = config or self.config()
        return OmsClient(
            config.kafka_bootstrap,
            token_provider or config.login(),
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

    def agent_id(self) -> str:
        """Who is logged in, as the saved token names them (for "assigned to me")."""
        login = self.config().login()
        agent, _ = identity(claims(load_login(login.path).tokens.access_token))
        if agent is None:
            raise ConfigError("the saved login names no agent: run csr login")
        return agent

    def remind_call(self) -> None:
        """Say which call is in progress (standard error, not with --json): the commands that follow
        default to its customer and order, so the CSR sees whom they act for."""
        if self.json_mode:
            return
        try:
            call = load_call()
        except ConfigError as exc:
            self.output.info(str(exc))
            return
        if call is not None:
            self.output.info(f"☎ {call.describe()}")

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

    def usage(self, text: str) -> NoReturn:
        """Stop: what was typed cannot work (exit 2, nothing sent)."""
        error = UsageError(text)
        self.output.failed(error)
        raise typer.Exit(error.exit_code)

    def send(
        self,
        cls: type[Message],
        fields: dict[str, Any] | Fields,
        *,
        title: str | None = None,
        message_id: str | uuid.UUID | None = None,
        dry_run: bool = False,
        on_accepted: Callable[[dict[str, Any]], None] | None = None,
    ) -> NoReturn:
        """Validate ``fields`` as ``cls`` (sealing its secrets), send it, show the reply.

        ``fields`` may be a function of a :class:`Lookup` (sync or async), so that what it gets
        wrong (a malformed option, a prompt that cannot be answered) is reported like every other
        mistake, and so that it can first ask the system what the command needs (an order's id
        from its number, a customer's current version)."""

        async def work() -> int:
            self.config()  # who acts and where: wrong settings are the first thing to report
            self.remind_call()
            retry_of = parse_id(message_id)
            async with Lookup(self) as lookup:
                values = fields(lookup) if callable(fields) else fields
                if inspect.isawaitable(values):
                    values = await values
                values = {name: await resolved(value, lookup) for name, value in values.items()}
                message = build(cls, jsonable(values), seal=self.sealer(cls.TYPE))
                return await self.send_message(
                    message, title=title, message_id=retry_of, dry_run=dry_run, client=lookup, on_accepted=on_accepted
                )

        self.run(work)

    async def send_message(
        self,
        message: Message,
        *,
        title: str | None = None,
        message_id: uuid.UUID | None = None,
        dry_run: bool = False,
        client: Lookup | None = None,
        on_accepted: Callable[[dict[str, Any]], None] | None = None,
    ) -> int:
        if not isinstance(message, Command | Query):
            raise UsageError(f"{message.TYPE} is not a command or a query")
        output = self.output
        async with contextlib.AsyncExitStack() as stack:
            lookup: Lookup = client if client is not None else await stack.enter_async_context(Lookup(self))
            if dry_run:  # shows what would be sent; needs no login, connects nowhere
                envelope = OmsClient(self.config().kafka_bootstrap, topic_prefix=self.config().topic_prefix).envelope(
                    message, message_id=message_id or uuid.uuid4()
                )
                output.json({"topic": self.config().topic_prefix + message.TOPIC, **envelope.model_dump(mode="json")})
                return 0
            reply = await (await lookup.client()).send(message, message_id=message_id or uuid.uuid4())
        if reply.accepted:
            if on_accepted is not None:
                on_accepted(reply.result or {})
            output.accepted(reply, title)
            return 0
        output.rejected(reply)
        return 1


class Reference(abc.ABC):
    """A value typed as the caller said it (a customer's logon id) that the system turns into the
    value the message carries (the customer's id) when the command is sent."""

    @abc.abstractmethod
    async def resolve(self, lookup: Lookup) -> Any: ...


async def resolved(value: Any, lookup: Lookup) -> Any:
    return await value.resolve(lookup) if isinstance(value, Reference) else value


class Lookup:
    """What a command asks the system before it is written (the order's id from its number, a
    customer's current version), over one client opened on first use: a command that needs no
    lookup and has a mistake in it is refused before anything connects."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._stack = contextlib.AsyncExitStack()
        self._client: OmsClient | None = None
        self._opening = asyncio.Lock()  # questions asked at once (csr customer show) share one client

    @classmethod
    def over(cls, session: Session, client: OmsClient) -> Lookup:
        """A lookup through a client already open (the caller closes it): benchmarks and programs
        that resolve what a CSR typed without a command line around them."""
        lookup = cls(session)
        lookup._client = client
        return lookup

    async def __aenter__(self) -> Lookup:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def client(self) -> OmsClient:
        async with self._opening:
            if self._client is None:
                self._client = await self._stack.enter_async_context(self.session.client())
            return self._client

    async def ask(self, message: Command | Query) -> dict[str, Any]:
        """The accepted result of ``message``; a refusal ends the command with exit code 1."""
        reply = await (await self.client()).send(message)
        if not reply.accepted:
            raise RequestRejected(reply)
        return reply.result or {}

    def seal(self, secret: str) -> str:
        return self.session.sealer("the command")(secret)


Fields = Callable[[Lookup], dict[str, Any] | Awaitable[dict[str, Any]]]


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    """Fields as JSON would carry them (ids, times and amounts as text), as the contract reads them."""

    def encode(value: Any) -> str:
        return value.isoformat() if isinstance(value, datetime) else str(value)

    return dict(json.loads(json.dumps(values, default=encode)))


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
