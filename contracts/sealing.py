"""Sealed secrets: how a password, challenge answer or card number crosses Kafka without being
readable there.

A channel seals the secret to the receiving service's public key; only that service, holding the
private key, can open it, in memory, to hash, validate or tokenize it. Topics, dead-letter topics
and logs only ever see ciphertext. The scheme is ECIES-like: an ephemeral X25519 key agreement,
HKDF-SHA256, AES-256-GCM.

Wire form: ``sealed:v1:<base64url(ephemeral public key | nonce | ciphertext)>``.
``cryptography`` is imported only when sealing or opening, so installing ``contracts`` for its
models alone needs nothing but pydantic.
"""

from __future__ import annotations

import base64
import functools
import os
from typing import TYPE_CHECKING, Annotated

from pydantic import StringConstraints

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

PREFIX = "sealed:v1:"
_INFO = b"csr-oms sealed secret v1"

SealedSecret = Annotated[str, StringConstraints(pattern=r"^sealed:v1:[A-Za-z0-9_=-]{80,2000}$", max_length=2100)]
"""A secret sealed with :func:`seal`. Plain text in a sealed field is rejected by validation."""


class SealingError(ValueError):
    """The sealed value could not be opened: wrong key, tampered or malformed."""


def _derive(shared: bytes, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO).derive(shared)


def generate_private_key() -> str:
    """A new private key, base64url text (keep it secret; give services its file path)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    raw = X25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.urlsafe_b64encode(raw).decode()


def public_key_of(private_key: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = X25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(private_key))
    return base64.urlsafe_b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def seal(secret: str, public_key: str) -> str:
    """Seal ``secret`` so that only the holder of the matching private key can read it."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    recipient = X25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(public_key))
    ephemeral = X25519PrivateKey.generate()
    eph_pub = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = _derive(ephemeral.exchange(recipient), salt=eph_pub)
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, secret.encode(), eph_pub)
    return PREFIX + base64.urlsafe_b64encode(eph_pub + nonce + ciphertext).decode()


@functools.lru_cache(maxsize=4)
def _private_key(private_key: str) -> X25519PrivateKey:
    """The service's key, parsed once: parsing it was a fifth of opening a card number. (The key
    text is in the service's memory for its whole life anyway.)"""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return X25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(private_key))


def open_sealed(sealed: str, private_key: str) -> str:
    """Open a sealed value. Raises :class:`SealingError` when it cannot be opened."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not sealed.startswith(PREFIX):
        raise SealingError("not a sealed value")
    try:
        blob = base64.urlsafe_b64decode(sealed[len(PREFIX) :])
        eph_pub, nonce, ciphertext = blob[:32], blob[32:44], blob[44:]
        key = _derive(_private_key(private_key).exchange(X25519PublicKey.from_public_bytes(eph_pub)), salt=eph_pub)
        return AESGCM(key).decrypt(nonce, ciphertext, eph_pub).decode()
    except (InvalidTag, ValueError, UnicodeDecodeError) as exc:
        raise SealingError("the sealed value could not be opened with this service's key") from exc
