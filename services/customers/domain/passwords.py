"""Password and challenge-answer hashing (argon2id) and the password policy.

Hashing is deliberately slow, so it runs in a worker thread and never stalls the consumer loop.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

_HASHER = PasswordHasher()

POLICY = "at least 8 characters, with at least one letter and one digit, and not the logon id"


def policy_violation(password: str, logon_id: str | None) -> str | None:
    """Why ``password`` breaks the policy, or None when it is acceptable."""
    if len(password) < 8 or len(password) > 128:
        return "password must be 8 to 128 characters"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "password must contain at least one letter and one digit"
    if logon_id and password.lower() == logon_id.lower():
        return "password must not be the logon id"
    return None


# No 0/O, 1/l/I: a temporary password is read from an e-mail and typed by a person.
_TEMPORARY_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def generate_temporary(length: int = 14) -> str:
    """A random temporary password that meets the policy (about 80 bits of entropy)."""
    while True:
        candidate = "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(length))
        if policy_violation(candidate, None) is None:
            return candidate


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, secret)


async def verify_secret(hashed: str, secret: str) -> bool:
    try:
        return await asyncio.to_thread(_HASHER.verify, hashed, secret)
    except VerificationError:
        return False


def normalize_answer(answer: str) -> str:
    # "Paris", " paris " and "PARIS" are the same answer on the phone.
    return " ".join(answer.split()).lower()
