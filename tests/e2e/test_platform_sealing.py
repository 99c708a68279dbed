"""Sealed secrets through the real services (PLT-11, docs/sealing.md): a value sealed as the
specification says is opened, in either version and either base64url spelling; a value that is
not is refused with the field error code that says why, never quoting it."""

from __future__ import annotations

import os

import pytest

from contracts import errors, sealing
from contracts.sealing import generate_private_key, public_key_of
from csr.client import OmsClient
from tests.support.builders import register_customer
from tests.support.customers import send_raw
from tests.support.system import System


def _v1(secret: str, public_key: str) -> str:
    """What a client from before sealing v2 writes (padded base64url)."""
    return sealing._seal(secret, public_key, ephemeral_private=os.urandom(32), nonce=os.urandom(12), version=sealing.V1)


def _padded(sealed: str) -> str:
    return sealed + "=" * (-len(sealed.split(":", 2)[2]) % 4)


@pytest.mark.capability("PLT-11")
@pytest.mark.parametrize("spelling", ["v2", "v2 padded", "v1", "v1 unpadded"])
async def test_every_spelling_of_a_sealed_password_is_opened(system: System, csr: OmsClient, spelling: str) -> None:
    sealed = {
        "v2": csr.seal("Sunshine42!"),
        "v2 padded": _padded(csr.seal("Sunshine42!")),
        "v1": _v1("Sunshine42!", system.public_key),
        "v1 unpadded": _v1("Sunshine42!", system.public_key).rstrip("="),
    }[spelling]

    reply = await csr.send(register_customer(csr, password=sealed))

    assert reply.accepted, reply


@pytest.mark.capability("PLT-11", "PLT-02")
async def test_a_password_sealed_to_another_key_is_refused_as_cannot_open(csr: OmsClient) -> None:
    sealed = sealing.seal("Sunshine42!", public_key_of(generate_private_key()))

    reply = await csr.send(register_customer(csr, password=sealed))

    assert reply.code == errors.INVALID
    assert [(e.field, e.code) for e in reply.field_errors] == [("payload.password", sealing.CANNOT_OPEN)]
    assert sealed[10:40] not in reply.model_dump_json()


@pytest.mark.capability("PLT-11", "PLT-02")
@pytest.mark.parametrize(
    ("value", "code"),
    [
        # Not a password any test seals: the secrets scan rightly finds a real secret sent in clear.
        ("plain-text-never-sealed", sealing.NOT_SEALED),
        ("sealed:v2:" + "A" * 78 + "+/", sealing.BAD_ENCODING),
        ("sealed:v2:" + "A" * 40, sealing.WRONG_LENGTH),
    ],
    ids=["plain text", "standard base64", "too short"],
)
async def test_a_malformed_sealed_password_is_refused_with_what_is_wrong(csr: OmsClient, value: str, code: str) -> None:
    reply = await send_raw(csr, register_customer(csr), password=value)

    assert reply.code == errors.INVALID
    assert [(e.field, e.code) for e in reply.field_errors] == [("payload.password", code)]
    assert value not in reply.model_dump_json()
