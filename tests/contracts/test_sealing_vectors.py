"""The sealing test vectors of ``docs/sealing-test-vectors.json``, which teams in other languages
implement against (``docs/sealing.md``).

Each vector is checked twice: step by step from the specification with the bare primitives (X25519,
HKDF-SHA256, AES-256-GCM; nothing of ``contracts.sealing``), so the intermediate values published are
the ones the text describes; and through ``contracts.sealing``, which must produce the sealed string
from the vector's ephemeral key and nonce and open it again. The file is regenerated (deterministic
inputs) with ``python -m tests.contracts.test_sealing_vectors --write``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from pydantic import BaseModel, ValidationError

from contracts import sealing
from contracts.sealing import SealedSecret, SealingError, open_sealed, public_key_of

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "sealing-test-vectors.json"


def b64u(data: bytes, padded: bool = True) -> str:
    text = base64.urlsafe_b64encode(data).decode()
    return text if padded else text.rstrip("=")


def unb64u(text: str) -> bytes:
    text = text.rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fixed_bytes(label: str, size: int) -> bytes:
    """Deterministic 'random' inputs, so the file regenerates identically."""
    return hashlib.sha256(f"csr-oms sealing test vector: {label}".encode()).digest()[:size]


def from_spec(
    version: int, recipient_public: bytes, ephemeral_private: bytes, nonce: bytes, plaintext: bytes
) -> dict[str, str]:
    """docs/sealing.md, step by step, with the primitives alone."""
    ephemeral = X25519PrivateKey.from_private_bytes(ephemeral_private)
    eph_pub = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    label = f"sealed:v{version}:"
    info = f"csr-oms sealed secret v{version}".encode()
    salt = eph_pub + recipient_public if version == 2 else eph_pub
    aad = label.encode() if version == 2 else eph_pub
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(shared)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, aad)
    return {
        "ephemeral_public_key": b64u(eph_pub),
        "shared_secret_hex": shared.hex(),
        "hkdf_salt_hex": salt.hex(),
        "hkdf_info": info.decode(),
        "aes_key_hex": key.hex(),
        "aad_hex": aad.hex(),
        "ciphertext_and_tag_hex": ciphertext.hex(),
        "sealed": label + b64u(eph_pub + nonce + ciphertext, padded=version == 1),
    }


# --- building the file -----------------------------------------------------------------------

RECIPIENT = fixed_bytes("recipient", 32)
OTHER = fixed_bytes("another recipient", 32)
PLAINTEXTS = [
    ("v2, a password", 2, "Sunshine42!"),
    ("v2, the empty secret (60-byte blob, the shortest)", 2, ""),
    ("v2, non-ASCII text (UTF-8 before sealing)", 2, "Pässwörd-🔑-密码"),
    ("v2, a card number", 2, "4111 1111 1111 1111"),
    ("v2, the longest secret (1440 bytes of UTF-8, 2000 base64url characters)", 2, "x" * 1440),
    ("v1 (legacy: opened, no longer written), a password", 1, "Sunshine42!"),
]


def _public(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _private_b64(private: bytes) -> str:
    raw = X25519PrivateKey.from_private_bytes(private).private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return b64u(raw)


def build() -> dict[str, Any]:
    recipient_private, recipient_public = _private_b64(RECIPIENT), b64u(_public(RECIPIENT))
    vectors: list[dict[str, Any]] = []
    for i, (name, version, plaintext) in enumerate(PLAINTEXTS):
        ephemeral, nonce = fixed_bytes(f"ephemeral {i}", 32), fixed_bytes(f"nonce {i}", 12)
        steps = from_spec(version, _public(RECIPIENT), ephemeral, nonce, plaintext.encode())
        vectors.append(
            {
                "name": name,
                "version": version,
                "recipient_private_key": recipient_private,
                "recipient_public_key": recipient_public,
                "plaintext": plaintext,
                "plaintext_hex": plaintext.encode().hex(),
                "ephemeral_private_key": b64u(ephemeral),
                "nonce_hex": nonce.hex(),
                **steps,
            }
        )
    first_v2, first_v1 = vectors[0]["sealed"], vectors[-1]["sealed"]
    spellings = [
        {"name": "v2 written with '=' padding", "sealed": _padded(first_v2), "plaintext": vectors[0]["plaintext"]},
        {"name": "v1 written without padding", "sealed": first_v1.rstrip("="), "plaintext": vectors[-1]["plaintext"]},
    ]
    return {
        "description": (
            "Test vectors of csr-oms sealed secrets; the specification is docs/sealing.md. Keys are base64url "
            "(32 raw bytes, RFC 7748); *_hex values are lowercase hex; text is UTF-8. An implementation must "
            "produce 'sealed' from recipient_public_key, ephemeral_private_key, nonce and plaintext, open each "
            "'sealed' (and each other_spellings entry) to plaintext with recipient_private_key, and refuse "
            "each rejections entry with the code given."
        ),
        "vectors": vectors,
        "other_spellings": spellings,
        "rejections": _rejections(vectors[0], recipient_private),
    }


def _padded(sealed: str) -> str:
    body = sealed.split(":", 2)[2]
    assert len(body) % 4, "pick a vector whose blob is not a multiple of 3 bytes"
    return sealed + "=" * (-len(body) % 4)


def _rejections(good: dict[str, Any], recipient_private: str) -> list[dict[str, str]]:
    sealed = good["sealed"]
    body = sealed.removeprefix("sealed:v2:")
    tag_flipped = bytearray(unb64u(body))
    tag_flipped[-1] ^= 1
    ephemeral, nonce = fixed_bytes("not text", 32), fixed_bytes("not text nonce", 12)
    not_utf8 = from_spec(2, _public(RECIPIENT), ephemeral, nonce, b"\xff\xfe not UTF-8")["sealed"]
    low_order = bytes(32) + unb64u(body)[32:]
    cases = [
        ("plain text", "Sunshine42!", sealing.NOT_SEALED),
        ("an unknown version", "sealed:v3:" + body, sealing.NOT_SEALED),
        ("standard base64 ('+' and '/'), not base64url", "sealed:v2:" + body[:-2] + "+/", sealing.BAD_ENCODING),
        ("a character outside base64", "sealed:v2:" + body[:40] + "*" + body[41:], sealing.BAD_ENCODING),
        (
            "an impossible base64 length (4n+1 characters)",
            "sealed:v2:" + body + "A" * ((1 - len(body)) % 4 or 4),
            sealing.BAD_ENCODING,
        ),
        ("too short (59 bytes)", "sealed:v2:" + b64u(bytes(59), padded=False), sealing.WRONG_LENGTH),
        ("too long (1501 bytes)", "sealed:v2:" + b64u(bytes(1501), padded=False), sealing.WRONG_LENGTH),
        ("the last bit of the tag flipped", "sealed:v2:" + b64u(bytes(tag_flipped), padded=False), sealing.CANNOT_OPEN),
        ("a v2 value relabelled v1", "sealed:v1:" + body, sealing.CANNOT_OPEN),
        (
            "an all-zero (low-order) ephemeral public key",
            "sealed:v2:" + b64u(low_order, padded=False),
            sealing.CANNOT_OPEN,
        ),
        ("bytes that are not UTF-8, sealed correctly", not_utf8, sealing.NOT_TEXT),
    ]
    found = [{"name": n, "sealed": s, "recipient_private_key": recipient_private, "code": c} for n, s, c in cases]
    found.append(
        {
            "name": "sealed to another key",
            "sealed": sealed,
            "recipient_private_key": _private_b64(OTHER),
            "code": sealing.CANNOT_OPEN,
        }
    )
    return found


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


# --- the tests -------------------------------------------------------------------------------

DOC = json.loads(VECTORS.read_text()) if VECTORS.exists() else {"vectors": [], "other_spellings": [], "rejections": []}


def test_the_published_file_is_current() -> None:
    assert VECTORS.read_text() == render(), "run: uv run python -m tests.contracts.test_sealing_vectors --write"


@pytest.mark.parametrize("vector", DOC["vectors"], ids=lambda v: v["name"])
def test_every_published_step_follows_the_specification(vector: dict[str, Any]) -> None:
    steps = from_spec(
        vector["version"],
        unb64u(vector["recipient_public_key"]),
        unb64u(vector["ephemeral_private_key"]),
        bytes.fromhex(vector["nonce_hex"]),
        bytes.fromhex(vector["plaintext_hex"]),
    )
    assert {k: vector[k] for k in steps} == steps
    assert vector["plaintext"].encode() == bytes.fromhex(vector["plaintext_hex"])


@pytest.mark.parametrize("vector", DOC["vectors"], ids=lambda v: v["name"])
def test_our_implementation_produces_and_opens_each_vector(vector: dict[str, Any]) -> None:
    version = {1: sealing.V1, 2: sealing.V2}[vector["version"]]
    produced = sealing._seal(
        vector["plaintext"],
        vector["recipient_public_key"],
        ephemeral_private=unb64u(vector["ephemeral_private_key"]),
        nonce=bytes.fromhex(vector["nonce_hex"]),
        version=version,
    )

    assert produced == vector["sealed"]
    assert open_sealed(vector["sealed"], vector["recipient_private_key"]) == vector["plaintext"]
    assert public_key_of(vector["recipient_private_key"]) == vector["recipient_public_key"]


@pytest.mark.parametrize("spelling", DOC["other_spellings"], ids=lambda v: v["name"])
def test_padded_and_unpadded_spellings_both_open(spelling: dict[str, str]) -> None:
    private = DOC["vectors"][0]["recipient_private_key"]
    assert open_sealed(spelling["sealed"], private) == spelling["plaintext"]
    assert open_sealed(spelling["sealed"], private.rstrip("=")) == spelling["plaintext"]  # keys too


@pytest.mark.parametrize("case", DOC["rejections"], ids=lambda v: v["name"])
def test_each_rejection_says_what_is_wrong_without_echoing_the_value(case: dict[str, str]) -> None:
    with pytest.raises(SealingError) as raised:
        open_sealed(case["sealed"], case["recipient_private_key"])

    assert raised.value.code == case["code"]
    assert case["sealed"].split(":")[-1][:16] not in str(raised.value)
    assert "Sunshine42" not in str(raised.value)


class _Sealed(BaseModel):
    secret: SealedSecret


FORM_CODES = {sealing.NOT_SEALED, sealing.BAD_ENCODING, sealing.WRONG_LENGTH}


@pytest.mark.parametrize("case", [c for c in DOC["rejections"] if c["code"] in FORM_CODES], ids=lambda v: v["name"])
def test_validation_refuses_a_malformed_sealed_field_with_the_same_code(case: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as raised:
        _Sealed(secret=case["sealed"])

    [error] = raised.value.errors(include_input=False)
    assert error["type"] == case["code"]
    assert case["sealed"] not in str(raised.value.errors(include_input=False))


def test_codes_are_distinct_and_every_one_is_published() -> None:
    codes = [sealing.NOT_SEALED, sealing.BAD_ENCODING, sealing.WRONG_LENGTH, sealing.CANNOT_OPEN, sealing.NOT_TEXT]
    assert len(set(codes)) == len(codes)
    assert {c["code"] for c in DOC["rejections"]} == set(codes)


if __name__ == "__main__":
    if "--write" in sys.argv:
        VECTORS.write_text(render())
        print(f"wrote {VECTORS}")
