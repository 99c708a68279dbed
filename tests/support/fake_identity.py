"""A stand-in for the token verifier in tests that drive the dispatcher directly (no issuer): the
token ``<agent>.<role>.sig`` is that agent in that role; ``expired.<agent>.<role>`` is refused as
expired. What real tokens do is proven by tests/unit/test_identity.py and tests/e2e."""

from __future__ import annotations

from typing import Any

from aiokafka import ConsumerRecord

from contracts import errors
from contracts.envelope import Actor, Role
from services.runtime.identity import Identity, Refused


def fake_token(actor: Actor) -> str:
    return f"{actor.agent_id}.{actor.role.value}.sig"


def expired_token(actor: Actor) -> str:
    return f"expired.{actor.agent_id}.{actor.role.value}"


def authorization(token: str) -> list[tuple[str, bytes]]:
    return [("authorization", f"Bearer {token}".encode())]


class FakeVerifier:
    async def verify(self, token: str) -> Identity:
        agent, role, signature = token.split(".")
        if agent == "expired":
            raise Refused(errors.UNAUTHENTICATED, "expired", "the access token has expired")
        if signature != "sig":
            raise Refused(errors.UNAUTHENTICATED, "bad_signature", "the access token's signature does not verify")
        return Identity(Actor(agent_id=agent, role=Role(role)), expires_at=4e9)


def with_token(record: ConsumerRecord[Any, Any], token: str) -> ConsumerRecord[Any, Any]:
    import dataclasses

    return dataclasses.replace(record, headers=[*(record.headers or []), *authorization(token)])
