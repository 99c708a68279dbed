"""Sealed secrets: how a password, challenge answer or card number crosses Kafka without being
readable there.

A channel seals the secret to the receiving service's public key; only that service, holding the
private key, can open it, in memory, to hash, validate or tokenize it. Topics, dead-letter topics
and logs only ever see ciphertext. The scheme is ECIES-like: an ephemeral X25519 key agreement,
HKDF-SHA256, AES-256-GCM. The normative specification, for implementations in other languages,
is ``docs/sealing.md``; its test vectors are ``docs/sealing-test-vectors.json``.

Wire form (what :func:`seal` writes)::

    sealed:v2:<base64url without padding(ephemeral public key 32 | nonce 12 | ciphertext | tag 16)>

v2 derives the key from the ephemeral AND the recipient public key (HKDF salt) and authenticates
the version label (associated data). ``sealed:v1:`` values, written by earlier clients, are still
opened; nothing writes them any more.

``cryptography`` is imported only when sealing or opening, so installing ``contracts`` for its
models alone needs nothing but pydantic.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

KEY_BYTES = 32  # X25519 private and public keys, raw (RFC 7748)
NONCE_BYTES = 12  # AES-GCM nonce
TAG_BYTES = 16  # AES-GCM authentication tag
AES_KEY_BYTES = 32  # AES-256
MIN_BLOB_BYTES = KEY_BYTES + NONCE_BYTES + TAG_BYTES  # an empty secret: 60 bytes
MAX_BLOB_BYTES = 1500  # 2000 base64url characters: the longest sealed value a field takes
MAX_SECRET_BYTES = MAX_BLOB_BYTES - MIN_BLOB_BYTES  # 1440 bytes of UTF-8
_MAX_BODY_CHARS = MAX_BLOB_BYTES * 4 // 3 + 2  # 2000 base64url characters, and padding


@dataclass(frozen=True)
class _Version:
    prefix: str
    info: bytes  # HKDF info
    salt_binds_recipient: bool  # v1's salt is the ephemeral public key only
    aad_is_label: bool  # v2 authenticates the label; v1 authenticated the ephemeral public key
    padded: bool  # how this version is written (both spellings are read)


V1 = _Version("sealed:v1:", b"csr-oms sealed secret v1", salt_binds_recipient=False, aad_is_label=False, padded=True)
V2 = _Version("sealed:v2:", b"csr-oms sealed secret v2", salt_binds_recipient=True, aad_is_label=True, padded=False)
_VERSIONS = {v.prefix: v for v in (V1, V2)}
CURRENT = V2
PREFIX = CURRENT.prefix
PREFIXES = tuple(_VERSIONS)

# Codes of the field errors a sealed value can get (in a reply's field_errors[].code). The messages
# say what is wrong with the value; none of them ever quotes it.
NOT_SEALED = "sealed_unknown_format"  # no sealed:v1:/sealed:v2: prefix: plain text, or another scheme
BAD_ENCODING = "sealed_bad_encoding"  # the part after the prefix is not base64url
WRONG_LENGTH = "sealed_wrong_length"  # decodes to fewer than 60 or more than 1500 bytes
CANNOT_OPEN = "sealed_cannot_open"  # sealed to another key, or altered on the way
NOT_TEXT = "sealed_not_text"  # opened, but the secret is not UTF-8 text
BAD_KEY = "sealing_key_invalid"  # the key given to seal or open is not a 32-byte base64url key

_MESSAGES = {
    NOT_SEALED: "must be a sealed value ('sealed:v2:' followed by base64url); plain text is refused",
    BAD_ENCODING: "the sealed value is not base64url (A-Z a-z 0-9 - _, optional '=' padding at the end)",
    WRONG_LENGTH: f"the sealed value must decode to {MIN_BLOB_BYTES} to {MAX_BLOB_BYTES} bytes",
    CANNOT_OPEN: "the sealed value cannot be opened with this service's key (sealed to another key, or altered)",
    NOT_TEXT: "the sealed value opened, but the secret in it is not UTF-8 text",
    BAD_KEY: "the sealing key is not 32 bytes in base64url",
}

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
WIRE_PATTERN = r"^sealed:v[12]:[A-Za-z0-9_-]{80,}={0,2}$"
"""What a sealed value looks like (a regular expression; the JSON Schema of sealed fields). The
upper bound is the schema's ``maxLength``, not a repeat count: RE2 (Go, Rust) refuses counts above
1000, and a published pattern must compile in every client's regular-expression engine."""
FIND_PATTERN = re.compile(r"sealed:v[12]:[A-Za-z0-9_-]{80,2000}={0,2}")
"""Finds sealed values inside a larger text (a topic record, a log line)."""


class SealingError(ValueError):
    """A sealed value could not be opened, or a key is unusable. ``code`` is one of the codes above;
    the message says what is wrong and never contains the value."""

    def __init__(self, code: str) -> None:
        super().__init__(_MESSAGES[code])
        self.code = code


def is_sealed(value: str) -> bool:
    """Whether ``value`` claims to be sealed (any version); says nothing about whether it opens."""
    return value.startswith(PREFIXES)


def _b64decode(text: str, error: str) -> bytes:
    """base64url, padded or not. Python's decoder skips characters outside the alphabet, so the
    alphabet is checked first: a value with '+', '/' or spaces is refused, never half-read."""
    bare = text.rstrip("=")
    if not _BASE64URL.fullmatch(text) or len(bare) % 4 == 1:
        raise SealingError(error)
    try:
        return base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
    except (binascii.Error, ValueError):
        raise SealingError(error) from None


def _b64encode(data: bytes, padded: bool) -> str:
    text = base64.urlsafe_b64encode(data).decode("ascii")
    return text if padded else text.rstrip("=")


def _key_bytes(key: str) -> bytes:
    raw = _b64decode(key.strip(), BAD_KEY)
    if len(raw) != KEY_BYTES:
        raise SealingError(BAD_KEY)
    return raw


def _split(sealed: str) -> tuple[_Version, bytes]:
    """The version and the decoded bytes of a sealed value, or the reason it is not one."""
    version = next((v for prefix, v in _VERSIONS.items() if sealed.startswith(prefix)), None)
    if version is None:
        raise SealingError(NOT_SEALED)
    body = sealed[len(version.prefix) :]
    if len(body) > _MAX_BODY_CHARS:  # refused before decoding: a hostile value may be huge
        raise SealingError(WRONG_LENGTH)
    blob = _b64decode(body, BAD_ENCODING)
    if not MIN_BLOB_BYTES <= len(blob) <= MAX_BLOB_BYTES:
        raise SealingError(WRONG_LENGTH)
    return version, blob


def _check_wire_form(value: str) -> str:
    """Validation of a sealed field: the form only (opening needs the service's key)."""
    try:
        _split(value)
    except SealingError as exc:
        raise PydanticCustomError(exc.code, str(exc)) from None
    return value


SealedSecret = Annotated[
    str,
    AfterValidator(_check_wire_form),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": WIRE_PATTERN,
            "maxLength": 2012,
            "description": (
                "A secret sealed to the service's X25519 public key: 'sealed:v2:' + base64url(ephemeral "
                "public key | nonce | AES-256-GCM ciphertext and tag). Normative specification and test "
                "vectors: docs/sealing.md and docs/sealing-test-vectors.json of csr-oms. Plain text is refused."
            ),
        }
    ),
]
"""A secret sealed with :func:`seal`. Plain text in a sealed field is rejected by validation."""


# --- the scheme ------------------------------------------------------------------------------


def _derive(version: _Version, shared: bytes, eph_pub: bytes, recipient_pub: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    salt = eph_pub + recipient_pub if version.salt_binds_recipient else eph_pub
    return HKDF(algorithm=hashes.SHA256(), length=AES_KEY_BYTES, salt=salt, info=version.info).derive(shared)


def _aad(version: _Version, eph_pub: bytes) -> bytes:
    return version.prefix.encode("ascii") if version.aad_is_label else eph_pub


def generate_private_key() -> str:
    """A new private key, base64url text (keep it secret; give services its file path)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    raw = X25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return _b64encode(raw, padded=True)


def public_key_of(private_key: str) -> str:
    """The public key of ``private_key``: 32 raw bytes, base64url with padding (44 characters)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return _b64encode(_private_key(private_key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw), padded=True)


def seal(secret: str, public_key: str) -> str:
    """Seal ``secret`` so that only the holder of the matching private key can read it."""
    return _seal(secret, public_key, ephemeral_private=os.urandom(KEY_BYTES), nonce=os.urandom(NONCE_BYTES))


def _seal(secret: str, public_key: str, *, ephemeral_private: bytes, nonce: bytes, version: _Version = CURRENT) -> str:
    """:func:`seal` with its random inputs given: what the test vectors pin down."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    plaintext = secret.encode("utf-8")
    if len(plaintext) > MAX_SECRET_BYTES:
        raise ValueError(f"a secret is at most {MAX_SECRET_BYTES} bytes of UTF-8")
    recipient_pub = _key_bytes(public_key)
    ephemeral = X25519PrivateKey.from_private_bytes(ephemeral_private)
    eph_pub = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_pub))
    except ValueError:  # a low-order point: the all-zero shared secret is refused
        raise SealingError(BAD_KEY) from None
    key = _derive(version, shared, eph_pub, recipient_pub)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _aad(version, eph_pub))
    return version.prefix + _b64encode(eph_pub + nonce + ciphertext, padded=version.padded)


@functools.lru_cache(maxsize=4)
def _private_key(private_key: str) -> X25519PrivateKey:
    """The service's key, parsed once: parsing it was a fifth of opening a card number. (The key
    text is in the service's memory for its whole life anyway.)"""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return X25519PrivateKey.from_private_bytes(_key_bytes(private_key))


def open_sealed(sealed: str, private_key: str) -> str:
    """Open a sealed value (v1 or v2). Raises :class:`SealingError` saying why it cannot."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    version, blob = _split(sealed)
    eph_pub, nonce, ciphertext = (
        blob[:KEY_BYTES],
        blob[KEY_BYTES : KEY_BYTES + NONCE_BYTES],
        blob[KEY_BYTES + NONCE_BYTES :],
    )
    recipient = _private_key(private_key)
    recipient_pub = recipient.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        shared = recipient.exchange(X25519PublicKey.from_public_bytes(eph_pub))
        key = _derive(version, shared, eph_pub, recipient_pub)
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, _aad(version, eph_pub))
    except (InvalidTag, ValueError):  # ValueError: a low-order ephemeral key (all-zero secret)
        raise SealingError(CANNOT_OPEN) from None
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise SealingError(NOT_TEXT) from None
