"""SMTP connections kept open between e-mails.

A conversation per e-mail cost a TCP connection, EHLO and QUIT besides MAIL, RCPT and DATA: half
the exchanges, on both sides. Connections are kept for the next e-mail instead, up to the
delivery concurrency, and closed when idle longer than a server would wait for them.

Reuse never risks a second delivery: a kept connection the server has closed in the meantime
fails at MAIL FROM, before anything is transmitted, and only then is the e-mail tried once more on
a fresh connection. A connection that failed in any other way is closed, never reused.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiosmtplib

IDLE_LIMIT_S = 30.0  # servers drop idle clients after minutes; well below that


@dataclass
class _Kept:
    smtp: aiosmtplib.SMTP
    since: float


class SmtpConnections:
    def __init__(self, connect: Callable[[], aiosmtplib.SMTP], keep: int) -> None:
        self._connect = connect
        self._keep = keep
        self._idle: list[_Kept] = []

    @contextlib.asynccontextmanager
    async def connection(self, fresh: bool = False) -> AsyncIterator[tuple[aiosmtplib.SMTP, bool]]:
        """A connected client and whether it was kept from an earlier e-mail. It is kept again
        when the block ends normally, and closed when it raises."""
        smtp, reused = await self._take(fresh)
        try:
            yield smtp, reused
        except BaseException:
            await _close(smtp)
            raise
        self._give_back(smtp)

    async def _take(self, fresh: bool) -> tuple[aiosmtplib.SMTP, bool]:
        while self._idle and not fresh:
            kept = self._idle.pop()
            if kept.smtp.is_connected and time.monotonic() - kept.since < IDLE_LIMIT_S:
                return kept.smtp, True
            await _close(kept.smtp)
        smtp = self._connect()
        await smtp.connect()  # TLS and login happen here
        return smtp, False

    def _give_back(self, smtp: aiosmtplib.SMTP) -> None:
        if smtp.is_connected and len(self._idle) < self._keep:
            self._idle.append(_Kept(smtp, time.monotonic()))
        else:
            smtp.close()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for kept in idle:
            await _close(kept.smtp)


async def _close(smtp: aiosmtplib.SMTP) -> None:
    try:
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        smtp.close()
