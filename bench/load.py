"""The load: channels placing complete orders through orders.commands, and CSR sessions doing
interactive work at the same time. Every operation is timed from the moment its command is
handed to the client until its reply arrives (wall clock, so e-mails can be matched with the time
the SMTP sink accepted them).

Channel orders run closed loop (a fixed number in flight: the throughput it reaches is the
maximum) or open loop (a target rate, whatever the replies do: latency at a given load)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bench import payloads, seed
from bench.stats import Recorder
from contracts.customers import FindCustomersV1
from contracts.envelope import ReplyV1
from contracts.orders import (
    AddCartLineV1,
    AddPaymentInstructionV1,
    CreateCartV1,
    FindOrdersV1,
    GetOrderV1,
    SetBillingAddressV1,
    SetShippingV1,
    ShipTo,
    SubmitOrderV1,
)
from csr.client import ClientError, OmsClient

MAX_OUTSTANDING = 5_000  # open loop: beyond this many unanswered orders the target rate is not held
REPLY_TIMEOUT_S = 60.0
INTERACTIVE = ("find_customer", "view_order", "find_order", "create_cart", "add_line", "edit_cart", "submit")


@dataclass
class Results:
    """Everything the load observed; the report cuts it to the measurement window."""

    orders: Recorder = field(default_factory=Recorder)
    interactive: dict[str, Recorder] = field(default_factory=lambda: {k: Recorder() for k in INTERACTIVE})
    rejections: Counter[str] = field(default_factory=Counter)
    email_sent_at: dict[str, float] = field(default_factory=dict)  # recipient -> when its command was sent
    shortfall: int = 0  # open loop: sends skipped because too many were outstanding


class Load:
    def __init__(
        self, run_tag: str, sealed_cards: list[str], results: Results, *, customers: int, seed: int = 9
    ) -> None:
        self.tag = run_tag
        self.customers = max(customers, 1)
        self.sealed = sealed_cards
        self.results = results
        self.rng = random.Random(seed)
        self.orders = payloads.ChannelOrders(sealed_cards, self.rng)
        self._numbers = itertools.count(1)

    def _email(self, kind: str) -> str:
        return f"{kind}{next(self._numbers)}.{self.tag}@bench.example.com"

    # --- channel orders -----------------------------------------------------------------------

    async def place_order(self, client: OmsClient) -> None:
        email = self._email("o")
        customer = seed.customer_id(self.rng.randint(1, self.customers))
        command = self.orders.next(email, customer)
        began = time.time()
        self.results.email_sent_at[email] = began
        try:
            reply = await client.send(command, timeout=REPLY_TIMEOUT_S, attempts=1)
        except ClientError as exc:
            self.results.orders.failures += 1
            self.results.rejections[type(exc).__name__] += 1
            return
        if reply.accepted:
            self.results.orders.add(time.time(), time.time() - began)
        else:
            self.results.orders.failures += 1
            self.results.rejections[reply.code or "rejected"] += 1

    async def closed_loop(self, clients: list[OmsClient], in_flight: int, stop: asyncio.Event) -> None:
        async def worker(client: OmsClient) -> None:
            while not stop.is_set():
                await self.place_order(client)

        await asyncio.gather(*(worker(clients[i % len(clients)]) for i in range(in_flight)))

    async def open_loop(self, clients: list[OmsClient], per_s: float, stop: asyncio.Event) -> None:
        pending: set[asyncio.Task[None]] = set()
        interval = 1.0 / per_s
        next_at = time.monotonic()
        for i in itertools.count():
            if stop.is_set():
                break
            if len(pending) < MAX_OUTSTANDING:
                task = asyncio.create_task(self.place_order(clients[i % len(clients)]))
                pending.add(task)
                task.add_done_callback(pending.discard)
            else:
                self.results.shortfall += 1
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        if pending:
            await asyncio.wait(pending, timeout=REPLY_TIMEOUT_S)

    # --- CSR sessions ---------------------------------------------------------------------------

    async def _timed(self, kind: str, call: Awaitable[ReplyV1]) -> ReplyV1 | None:
        began = time.time()
        recorder = self.results.interactive[kind]
        try:
            reply = await call
        except ClientError as exc:
            recorder.failures += 1
            self.results.rejections[f"{kind}:{type(exc).__name__}"] += 1
            return None
        if not reply.accepted:
            recorder.failures += 1
            self.results.rejections[f"{kind}:{reply.code}"] += 1
            return None
        recorder.add(time.time(), time.time() - began)
        return reply

    async def csr_session(
        self, client: OmsClient, last_names: list[str], order_numbers: list[str], stop: asyncio.Event, think_s: float
    ) -> None:
        """Find a customer, view an order, find the customer's orders, then take an order for them:
        a cart, lines added one by one, shipping, billing, a card, submit."""

        async def pause() -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.rng.uniform(0.5, 1.5) * think_s)

        while not stop.is_set():
            name = self.rng.choice(last_names)
            found = await self._timed("find_customer", client.send(FindCustomersV1(last_name=name[:5])))
            await pause()
            await self._timed("view_order", client.send(GetOrderV1(order_number=self.rng.choice(order_numbers))))
            await pause()
            await self._timed("find_order", client.send(FindOrdersV1(customer_name=name[:5])))
            await pause()
            customers = (found.result or {}).get("customers", []) if found else []
            await self._take_order(client, customers[0] if customers else None, pause)
            await pause()

    async def _take_order(
        self, client: OmsClient, customer: dict[str, object] | None, pause: Callable[[], Awaitable[None]]
    ) -> None:
        email = self._email("c")
        first = str(customer["first_name"]) if customer else "Walk"
        last = str(customer["last_name"]) if customer else "In"
        cart = CreateCartV1(
            customer_id=uuid.UUID(str(customer["customer_id"])) if customer else uuid.uuid4(),
            first_name=first,
            last_name=last,
            email=email,
            currency="USD",
        )
        if await self._timed("create_cart", client.send(cart)) is None:
            return
        for index in self.rng.sample(range(payloads.SKU_COUNT), 3):
            await pause()
            line = AddCartLineV1(order_id=cart.order_id, sku=payloads.sku(index), quantity=1)
            if await self._timed("add_line", client.send(line)) is None:
                return
        address = payloads.address(first, last)
        edits = [
            SetShippingV1(order_id=cart.order_id, ship_to=ShipTo(address=address, shipping_mode="standard")),
            SetBillingAddressV1(order_id=cart.order_id, address=address),
            AddPaymentInstructionV1(order_id=cart.order_id, payment=payloads.card(self.rng.choice(self.sealed))),
        ]
        for edit in edits:
            if await self._timed("edit_cart", client.send(edit)) is None:
                return
        self.results.email_sent_at[email] = time.time()
        await self._timed("submit", client.send(SubmitOrderV1(order_id=cart.order_id)))
