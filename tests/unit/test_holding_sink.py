"""The SMTP sink that holds a conversation until the test gives its verdict (tests/support/
holding_sink.py): a held e-mail is not stored before the verdict; accepted, the sender hears 250;
with the answer lost, it is stored and the sender hears nothing (a closed connection)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosmtplib
import pytest

from tests.support.holding_sink import HoldingSmtpSink, Verdict

MESSAGE = b"From: shop@example.com\r\nTo: {to}\r\nMessage-ID: <m1@example.com>\r\nSubject: hi\r\n\r\nhello\r\n"


async def _send(sink: HoldingSmtpSink, to: str) -> None:
    await aiosmtplib.send(
        MESSAGE.replace(b"{to}", to.encode()),
        sender="shop@example.com",
        recipients=[to],
        hostname="127.0.0.1",
        port=sink.port,
        timeout=10,
    )


async def test_mail_not_held_is_stored_at_once(tmp_path: Path) -> None:
    with HoldingSmtpSink(tmp_path) as sink:
        sink.hold("held@example.com")
        await _send(sink, "free@example.com")
        assert [m.rcpt_tos for m in sink.mailbox().messages()] == [("free@example.com",)]


async def test_a_held_conversation_waits_for_its_verdict(tmp_path: Path) -> None:
    with HoldingSmtpSink(tmp_path) as sink:
        sink.hold("held@example.com")
        sending = asyncio.create_task(_send(sink, "held@example.com"))
        held = await sink.wait_held("held@example.com", 1, 10)
        await asyncio.sleep(0.2)
        assert not sending.done() and sink.mailbox().messages() == []
        held.answer(Verdict.ACCEPT)
        await sending
        assert [m.message_id for m in sink.mailbox().messages()] == ["<m1@example.com>"]


async def test_a_lost_answer_stores_the_mail_and_the_sender_hears_nothing(tmp_path: Path) -> None:
    with HoldingSmtpSink(tmp_path) as sink:
        sink.hold("held@example.com")
        sending = asyncio.create_task(_send(sink, "held@example.com"))
        (await sink.wait_held("held@example.com", 1, 10)).answer(Verdict.LOSE_ANSWER)
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await sending
        assert len(sink.mailbox().messages()) == 1
