"""``csr demo``: a scripted phone call against the running system, printed as a transcript."""

from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal
from pathlib import Path

from rich.console import Console

from contracts.customers import CustomerIdResult, RegisterCustomerV1
from contracts.envelope import Actor, Role
from contracts.orders import OrderPlacedResult, PlaceOrderV1
from csr.client import OmsClient
from csr.config import ClientConfig

console = Console()


def _say(who: str, text: str) -> None:
    console.print(f"[bold]{who:>9}[/bold]  {text}")


async def run_demo(config: ClientConfig) -> int:
    tag = uuid.uuid4().hex[:6]
    email = f"maria.rossi.{tag}@example.com"
    async with (
        OmsClient(
            config.kafka_bootstrap,
            config.actor,
            topic_prefix=config.topic_prefix,
            sealing_public_key=config.sealing_public_key,
            timeout=config.timeout,
        ) as csr,
        OmsClient(
            config.kafka_bootstrap,
            Actor(agent_id="web-shop", role=Role.CHANNEL),
            topic_prefix=config.topic_prefix,
            timeout=config.timeout,
        ) as shop,
    ):
        _say("caller", "Hello, I'd like to open an account and order a tent.")
        _say("csr", "Of course. Let me register you.")
        customer = await csr.request(
            RegisterCustomerV1(
                logon_id=f"mrossi{tag}",
                password=csr.seal("Tent2026!"),
                first_name="Maria",
                last_name="Rossi",
                email=email,
                phone="+1 555 010 7788",
                preferred_language="en-US",
                preferred_currency="USD",
            ),
            CustomerIdResult,
        )
        _say("system", f"customer registered: {customer.customer_id}")
        order = await shop.request(
            PlaceOrderV1(
                customer_id=customer.customer_id,
                currency="USD",
                email=email,
                lines=[
                    {"sku": "TENT-2P", "quantity": 1, "unit_price": Decimal("149.99"), "description": "Two-person tent"}
                ],
            ),
            OrderPlacedResult,
        )
        _say("csr", f"Your order number is {order.order_number}.")
    return await _show_mail(config, email)


def _mail_to(directory: Path, email: str) -> list[Path]:
    return [p for p in sorted(directory.glob("*.eml")) if email in p.read_text(errors="replace")]


async def _show_mail(config: ClientConfig, email: str) -> int:
    if config.mail_dir is None:
        _say("system", "e-mails went to the configured SMTP server")
        return 0
    deadline = time.monotonic() + 30
    found: list[Path] = []
    while time.monotonic() < deadline and len(found) < 2:
        found = await asyncio.to_thread(_mail_to, Path(config.mail_dir), email)
        await asyncio.sleep(0.3)
    for path in found:
        subject = next((ln[9:] for ln in path.read_text().splitlines() if ln.startswith("Subject: ")), "?")
        _say("e-mail", f"{subject!r} -> {path}")
    if len(found) < 2:
        console.print("[red]expected a welcome and a confirmation e-mail; not all arrived[/red]")
        return 1
    return 0
