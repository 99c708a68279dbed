"""The dispatcher's gate, with a fake verifier and no database: a command or query without a valid
access token is answered `unauthenticated` and touches nothing; a verified actor that may not send
it is refused `forbidden`; downstream the envelope carries the VERIFIED actor; the token is never
echoed, replied or copied to a dead letter (PLT-09)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from contracts import errors
from contracts.envelope import Actor, Envelope, Role
from contracts.orders import GetOrderV1, UnblockOrderV1
from services.runtime import metrics
from services.runtime.codec import encode
from services.runtime.dispatch import Dispatcher
from services.runtime.handling import Context, Handlers
from services.runtime.identity import Identity, Refused
from services.runtime.pipeline.authorization import ACTOR_MISMATCH
from services.runtime.pipeline.decoding import Decoder
from services.runtime.pipeline.failures import HandlerRetry
from services.runtime.replies import Letters
from services.runtime.settings import ServiceSettings
from tests.support.fakes import Sent

SAM = Actor(agent_id="sam", role=Role.SUPERVISOR)
ALICE = Actor(agent_id="alice", role=Role.CSR)
FULFILMENT = Actor(agent_id="service-account-fulfilment", role=Role.SYSTEM)
TOKENS = {"sam.supervisor.sig": SAM, "alice.csr.sig": ALICE, "fulfilment.system.sig": FULFILMENT}
EXPIRED = "alice.expired.sig"
NO_ROLE = "dora.none.sig"


class FakeVerifier:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def verify(self, token: str) -> Identity:
        self.seen.append(token)
        if token == EXPIRED:
            raise Refused(errors.UNAUTHENTICATED, "expired", "the access token has expired")
        if token == NO_ROLE:
            raise Refused(errors.FORBIDDEN, "no_role", "the access token carries no OMS role")
        if token not in TOKENS:
            raise Refused(errors.UNAUTHENTICATED, "bad_signature", "the access token's signature does not verify")
        return Identity(TOKENS[token], expires_at=4e9)


def record(envelope: Envelope, token: str | None, topic: str = "orders.commands") -> ConsumerRecord[Any, Any]:
    headers = [("authorization", f"Bearer {token}".encode())] if token else []
    value = encode(envelope, topic, None).value
    return ConsumerRecord(topic, 0, 0, 0, 0, b"key", value, None, 3, len(value), headers)


def unblock(actor: Actor | None = None) -> Envelope:
    command = UnblockOrderV1(order_id=uuid.uuid4(), note="the card holder confirmed the order")
    return Envelope.wrap(command, actor=actor, reply_to="replies.probe")


class Untouchable:
    """The database: a message turned away at the gate must never reach it."""

    def acquire(self) -> Any:
        raise AssertionError("the database was touched")


async def never_handled(ctx: Context[None], message: Any) -> Any:
    raise AssertionError("a message turned away at the gate was handled")


def handling_everything() -> Handlers[None]:
    handlers: Handlers[None] = Handlers()
    handlers.command(UnblockOrderV1)(never_handled)
    handlers.query(GetOrderV1)(never_handled)
    return handlers


def dispatcher(handlers: Handlers[None] | None = None, sent: Sent | None = None) -> Dispatcher[None]:
    return Dispatcher(
        ServiceSettings(service_name="gate_probe", oidc_issuer="http://issuer.test/realms/csr-oms"),
        Untouchable(),  # type: ignore[arg-type]
        sent or Sent(),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        handlers or handling_everything(),
        None,
        verifier=FakeVerifier(),
        retry=HandlerRetry(max_handler_attempts=1),
    )


async def admitted(envelope: Envelope, token: str | None) -> tuple[list[Any], list[Any]]:
    d = dispatcher()
    items = await Decoder("gate_probe", _no_dead_letters).decode_all(
        [record(envelope, token)], envelope.kind, {UnblockOrderV1: object(), GetOrderV1: object()}
    )
    return await d.gate.admit(items)


async def _no_dead_letters(record: Any, failure: Any) -> None:
    raise AssertionError(f"dead-lettered: {failure}")


async def test_the_verified_actor_replaces_whatever_the_envelope_said() -> None:
    for claimed in (None, SAM):
        passed, away = await admitted(unblock(claimed), "sam.supervisor.sig")
        assert away == [] and [(i.envelope.actor, i.refusal) for i in passed] == [(SAM, None)]


async def test_an_envelope_actor_that_is_not_the_tokens_is_forbidden() -> None:
    for claimed in (Actor(agent_id="sam", role=Role.CSR), Actor(agent_id="bob", role=Role.SUPERVISOR)):
        passed, _ = await admitted(unblock(claimed), "sam.supervisor.sig")
        [item] = passed
        assert item.envelope.actor == SAM  # recorded as who really sent it
        assert item.refusal is not None and (item.refusal.code, item.refusal.message) == (
            errors.FORBIDDEN,
            ACTOR_MISMATCH,
        )


async def test_a_role_the_message_does_not_allow_is_forbidden() -> None:
    passed, _ = await admitted(unblock(), "alice.csr.sig")
    [item] = passed
    assert item.envelope.actor == ALICE
    assert item.refusal is not None and item.refusal.code == errors.FORBIDDEN
    assert item.refusal.message == "role csr may not UnblockOrder; allowed: supervisor"


@pytest.mark.parametrize(
    ("token", "code", "reason"),
    [
        (None, errors.UNAUTHENTICATED, "missing"),
        (EXPIRED, errors.UNAUTHENTICATED, "expired"),
        ("sam.forged.sig", errors.UNAUTHENTICATED, "bad_signature"),
        (NO_ROLE, errors.FORBIDDEN, "no_role"),
    ],
)
async def test_a_command_without_a_valid_token_is_answered_and_touches_nothing(
    token: str | None, code: str, reason: str
) -> None:
    sent = Sent()
    refused_before = metrics.ACCESS_REFUSED.labels("gate_probe", code, reason)._value.get()
    envelope = unblock(SAM)

    await dispatcher(sent=sent).on_commands([record(envelope, token), record(envelope, token)])

    assert [r.topic for r in sent.records] == ["replies.probe", "replies.probe"]  # no dead letter
    for reply in sent.replies():
        assert (reply["status"], reply["code"], reply["request_id"]) == ("rejected", code, str(envelope.message_id))
    assert metrics.ACCESS_REFUSED.labels("gate_probe", code, reason)._value.get() == refused_before + 2
    for out in sent.records:
        assert "authorization" not in out.headers
        assert token is None or token not in out.value.decode()


async def test_a_query_is_authenticated_and_authorized_the_same_way() -> None:
    sent = Sent()
    query = Envelope.wrap(GetOrderV1(order_id=uuid.uuid4()), reply_to="replies.probe")
    records = [
        record(query, None, "orders.queries"),
        record(query, "fulfilment.system.sig", "orders.queries"),  # queries are for staff and channels
    ]

    await dispatcher(sent=sent).on_queries(records)

    codes = sorted((r["code"], r["message"]) for r in sent.replies())
    assert codes == [
        (errors.FORBIDDEN, "role system may not GetOrder; allowed: channel, csr, supervisor"),
        (errors.UNAUTHENTICATED, "the message carries no access token (header authorization: Bearer <JWT>)"),
    ]


async def test_an_undecodable_command_is_dead_lettered_without_its_token() -> None:
    sent = Sent()
    token = "sam.supervisor.sig"
    bad = ConsumerRecord(
        "orders.commands",
        0,
        7,
        0,
        0,
        None,
        b'{"not": "an envelope"}',
        None,
        0,
        0,
        [("authorization", f"Bearer {token}".encode())],
    )

    await dispatcher(sent=sent).on_commands([bad])

    [letter] = [r for r in sent.records if r.topic == "orders.commands.dlq"]
    assert token not in letter.value.decode() and "authorization" not in letter.headers
    assert json.loads(letter.value)["payload"]["reason"] == errors.UNDECODABLE


def test_a_dead_letter_never_copies_the_records_headers() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYW0ifQ.c2lnbmF0dXJl"
    value = json.dumps({"authorization": f"Bearer {token}", "access_token": token}).encode()
    bad = ConsumerRecord(
        "orders.commands", 0, 1, 0, 0, None, value, None, 0, 0, [("authorization", f"Bearer {token}".encode())]
    )
    from services.runtime.codec import DecodeFailure

    letter = Letters("orders", "").dead_letter(bad, DecodeFailure(errors.UNDECODABLE, "not a valid envelope"))

    assert token not in letter.value.decode() and "sig" not in json.dumps(letter.headers)
    assert "authorization" not in letter.headers


def test_the_retry_policy_backs_off_within_bounds() -> None:
    policy = HandlerRetry(max_handler_attempts=3)
    assert [policy.after_transient(a) for a in (1, 2, 5, 50)] == [0.4, 0.8, 5.0, 5.0]
    assert [policy.gives_up(a) for a in (1, 2, 3)] == [False, False, True]
    assert all(0 <= policy.after_lost_race(a) <= 0.02 * a for a in range(1, 6))
