"""SMTP connections kept between e-mails (NTF-05): fewer conversations, never a second delivery."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from email.message import EmailMessage

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller

from services.notifications.adapters.smtp.connections import SmtpConnections
from services.notifications.adapters.smtp.delivery import Progress, send
from services.notifications.settings import NotificationsSettings


class Collect:
    def __init__(self) -> None:
        self.received: list[str] = []
        self.sessions: set[int] = set()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - aiosmtpd's name
        self.received += envelope.rcpt_tos  # type: ignore[attr-defined]
        self.sessions.add(id(session))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def server() -> AsyncIterator[tuple[Controller, Collect]]:
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    if controller._thread is not None:  # still running (a test may have stopped it)
        controller.stop()


def _mail(to: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "shop@example.com", to, "Your order"
    msg.set_content("Thank you.")
    return msg.as_bytes()


def _connections(settings: NotificationsSettings, opened: list[int]) -> SmtpConnections:
    def connect() -> aiosmtplib.SMTP:
        opened.append(1)
        return aiosmtplib.SMTP(hostname=settings.smtp_host, port=settings.smtp_port, timeout=5)

    return SmtpConnections(connect, keep=2)


async def test_e_mails_in_a_row_share_one_connection(server: tuple[Controller, Collect]) -> None:
    controller, handler = server
    settings = NotificationsSettings(smtp_host="127.0.0.1", smtp_port=controller.port, mail_from="shop@example.com")
    opened: list[int] = []
    connections = _connections(settings, opened)

    for i in range(3):
        await send(_mail(f"c{i}@example.com"), f"c{i}@example.com", settings, Progress(), connections)
    await connections.close()

    assert handler.received == ["c0@example.com", "c1@example.com", "c2@example.com"]
    assert len(opened) == 1 and len(handler.sessions) == 1


async def test_a_kept_connection_the_server_dropped_is_replaced_and_the_e_mail_sent_once(
    server: tuple[Controller, Collect],
) -> None:
    controller, handler = server
    settings = NotificationsSettings(smtp_host="127.0.0.1", smtp_port=controller.port, mail_from="shop@example.com")
    opened: list[int] = []
    connections = _connections(settings, opened)
    await send(_mail("first@example.com"), "first@example.com", settings, Progress(), connections)

    controller.stop()  # the server goes away and comes back: the kept connection is dead
    again = Controller(handler, hostname="127.0.0.1", port=controller.port)
    again.start()
    try:
        await send(_mail("second@example.com"), "second@example.com", settings, Progress(), connections)
        await connections.close()
    finally:
        again.stop()

    assert handler.received == ["first@example.com", "second@example.com"]
    assert len(opened) == 2
