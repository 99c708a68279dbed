"""Every secret the tests hand to the system, and how to look for them where they must not be.

Test clients record each secret they seal (:class:`RecordingClient`, which ``System.client``
returns), so the session's registry holds every password, challenge answer and card number sent;
their token providers (tests/support/identity.py) record every access and refresh token they
were issued, and the password of every Keycloak user the tests logged in as.
The final scan (tests/e2e/test_zz_secrets_scan.py) adds what the services sealed themselves, such
as temporary passwords, by opening the sealed values it finds on the topics.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from contracts.common import luhn_ok
from contracts.registry import all_messages
from csr.client import OmsClient

_RECORDED: set[str] = set()
_TOKENS: set[str] = set()


def record(secret: str) -> None:
    _RECORDED.add(secret)


def recorded() -> frozenset[str]:
    return frozenset(_RECORDED)


def record_tokens(*tokens: str | None) -> None:
    """Access and refresh tokens a test client was issued: bearer credentials, which must never be
    copied anywhere the system writes (the services read them from the record's header only)."""
    _TOKENS.update(t for t in tokens if t)


_TOKEN_FILES: set[Path] = set()


def record_token_file(path: Path) -> None:
    """A ``csr login`` file: the tokens in it when the scan runs (the command line renews them in
    processes of its own) are recorded too."""
    _TOKEN_FILES.add(path)


def recorded_tokens() -> frozenset[str]:
    found = set(_TOKENS)
    for path in _TOKEN_FILES:
        try:
            tokens = json.loads(path.read_text())["tokens"]
        except (OSError, ValueError, KeyError):
            continue
        found.update(t for t in (tokens.get("access_token"), tokens.get("refresh_token")) if t)
    return frozenset(found)


class RecordingClient(OmsClient):
    """An :class:`OmsClient` that remembers every secret it seals, for the final scan."""

    def seal(self, secret: str) -> str:
        record(secret)
        return super().seal(secret)


# --- card numbers ------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"(?<!\d)\d{13,19}(?!\d)")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3[05689]|6[05])")  # Visa, MC, Amex, Diners, JCB, Discover


def card_numbers_in(text: str) -> list[str]:
    """Runs of 13-19 digits with a card brand's prefix that pass the Luhn check."""
    return [m for m in _DIGIT_RUN.findall(text) if _CARD_PREFIX.match(m) and luhn_ok(m)]


# Spaces and dashes (how people write a card number), and the grouping and decimal marks a
# formatter puts into a number (4,539,578,763,621,486.00; 4.539.578.763.621.486,00; 4'539...;
# 4_539...; no-break and thin spaces): a number quoted in any of these forms still gives it away.
# (Those three spaces also as the \u00a0 escapes of JSON, once or twice escaped: a dead letter
# keeps the record as JSON text inside JSON.)
_SEPARATED = re.compile(r"(?<=\d)(?:[ \-.,'_\u00a0\u2009\u202f]|\\{1,2}u(?:00a0|2009|202f)){1,2}(?=\d)")


def these_card_numbers_in(text: str, numbers: list[str]) -> list[str]:
    """Which of ``numbers`` are in ``text``, also written with spaces or dashes, grouped like a
    formatted number, or inside longer runs of digits: how a hostile sender would try to get one
    through, and how a message quoting a number would print it."""
    joined = _SEPARATED.sub("", text)
    return [n for n in numbers if n in joined]


# --- passwords and answers ----------------------------------------------------------------------

MIN_SCANNABLE = 6


def _field_names() -> set[str]:
    names: set[str] = set()
    for cls in all_messages().values():
        names |= set(cls.model_fields)
    return names


def scannable(secrets: frozenset[str] | set[str]) -> tuple[list[str], list[str]]:
    """The secrets worth searching for, and those skipped: shorter than ``MIN_SCANNABLE`` or a word
    the messages use as a field name ("password"), which would be found everywhere by design."""
    words = _field_names()
    keep = sorted(s for s in secrets if len(s) >= MIN_SCANNABLE and s.lower() not in words)
    return keep, sorted(set(secrets) - set(keep))


def _trie(words: list[str]) -> str:
    """One regular expression matching any of ``words``, shaped as a trie so that scanning
    megabytes for thousands of secrets stays fast (a plain alternation tries each word in turn)."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return body + "?" if len(branches) == 1 and len(body) == 1 else "(?:" + body + ")?"
        return body

    return build(root)


def token_pattern(secrets: list[str]) -> re.Pattern[str]:
    """Any of ``secrets`` as a whole token: not part of a longer word or base64 run."""
    body = _trie(secrets) if secrets else "(?!)"
    return re.compile(r"(?<![A-Za-z0-9_+/=-])(?:" + body + r")(?![A-Za-z0-9_+/=-])")


def occurrences(text: str, pattern: re.Pattern[str]) -> list[str]:
    """The secrets ``pattern`` (from :func:`token_pattern`) finds in ``text``."""
    return sorted(set(pattern.findall(text)))
