"""The steady mixed load: channels placing orders in one command, CSRs registering customers and
building carts line by line, CSRs writing e-mails, and a stock feed. Each agent is one client
working one step at a time, as a person or a channel would."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from contracts.common import Address, Money
from contracts.customers import RegisterCustomerV1
from contracts.envelope import Role
from contracts.notifications import SendEmailV1
from contracts.orders import (
    AddCartLineV1,
    AddPaymentInstructionV1,
    AdjustStockV1,
    CardPaymentInput,
    ChangeCartLineV1,
    CreateCartV1,
    CreateReturnV1,
    OrderLineInput,
    PlaceOrderV2,
    ReceiveReturnV1,
    RecordShipmentV1,
    ReturnLineInput,
    SetBillingAddressV1,
    SetShippingV1,
    ShipmentLineInput,
    ShipTo,
    SubmitOrderV1,
    UpsertProductV1,
)
from reliability.cluster import AgentClient, Cluster
from reliability.ledger import Ledger

CARD = "4111111111111111"  # a test number: passes the checksum, no account behind it
INITIAL_STOCK = 1_000_000


def address(first: str = "Jane", last: str = "Doe") -> Address:
    return Address(
        first_name=first,
        last_name=last,
        line1="1 Main St",
        city="Springfield",
        region="IL",
        postal_code="62701",
        country="US",
    )


@dataclass
class Customer:
    customer_id: uuid.UUID
    first_name: str
    last_name: str
    email: str


@dataclass
class Placed:
    """An order placed and not shipped yet: what the warehouse is to ship."""

    order_id: uuid.UUID
    lines: list[tuple[str, int]]  # (sku, quantity) by line number
    at: float = field(default_factory=time.monotonic)
    tries: int = 0


@dataclass
class World:
    """What the agents share: the catalog, the customers registered and the orders to ship so far."""

    skus: list[str] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    to_ship: deque[Placed] = field(default_factory=deque)

    def some_customer(self) -> Customer | None:
        return random.choice(self.customers) if self.customers else None


class Load:
    def __init__(self, cluster: Cluster, ledger: Ledger, agents: int, products: int) -> None:
        self.cluster = cluster
        self.ledger = ledger
        self.agents = agents
        self.products = products
        self.world = World()
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.clients: list[AgentClient] = []
        self.errors: list[str] = []

    async def _client(self, agent_id: str, role: Role) -> AgentClient:
        client = self.cluster.client(agent_id, role)
        await client.start()
        self.clients.append(client)
        return client

    async def seed(self) -> None:
        feed = await self._client("catalog-feed", Role.SYSTEM)
        for n in range(self.products):
            sku = f"REL-{self.cluster.run_id}-{n}".upper()
            price = Decimal(random.choice(["4.99", "12.50", "19.99", "59.00", "7.25"]))
            command = UpsertProductV1(
                sku=sku,
                name=f"Product {n}",
                prices=[Money(amount=price, currency="USD")],
                on_hand=INITIAL_STOCK,
            )
            record = await self.ledger.send(feed, command, sku=sku, on_hand=INITIAL_STOCK)
            if record.outcome != "accepted":
                raise RuntimeError(f"could not seed product {sku}: {record.outcome} {record.code}")
            self.world.skus.append(sku)

    async def start(self) -> None:
        # CSRs first: a channel's one-command order is quick, a CSR's call is ten commands.
        roles = [
            ("csr", Role.CSR, self._csr),
            ("channel", Role.CHANNEL, self._channel),
            ("csr", Role.CSR, self._csr),
            ("mailer", Role.CSR, self._mailer),
        ]
        for n in range(self.agents):
            name, role, loop = roles[n % len(roles)]
            client = await self._client(f"{name}-{n}", role)
            self.tasks.append(asyncio.create_task(self._run(loop, client), name=f"{name}-{n}"))
        stock = await self._client("stock-feed", Role.SYSTEM)
        self.tasks.append(asyncio.create_task(self._run(self._stock, stock), name="stock-feed"))
        warehouse = await self._client("warehouse", Role.CHANNEL)
        self.tasks.append(asyncio.create_task(self._run(self._warehouse, warehouse), name="warehouse"))

    async def stop(self) -> None:
        """Let every agent finish the step it is in (its commands get their replies), then stop."""
        self.stopping.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for client in self.clients:
            await client.stop()

    async def _run(self, loop: Any, client: AgentClient) -> None:
        while not self.stopping.is_set():
            try:
                await loop(client)
            except Exception as exc:  # noqa: BLE001 - an agent's bug must not end the run silently
                self.errors.append(f"{client.agent_id}: {type(exc).__name__}: {exc}")
                await asyncio.sleep(1)
            await asyncio.sleep(random.uniform(0.05, 0.3))

    # --- the agents ----------------------------------------------------------------------------

    def _lines(self, count: int) -> list[tuple[str, int]]:
        return [(sku, random.randint(1, 3)) for sku in random.sample(self.world.skus, count)]

    def _card(self, client: AgentClient) -> CardPaymentInput:
        return CardPaymentInput(
            method="card", card_number=client.seal(CARD), expiry_month=12, expiry_year=2035, holder_name="Jane Doe"
        )

    async def _channel(self, client: AgentClient) -> None:
        """A web shop: one complete order per command, for a registered customer. (An order for a
        customer id the notifications service never hears of waits for that customer's address:
        'waiting_for_recipient', by design, so it is not part of this load.)"""
        who = self.world.some_customer()
        if who is None:
            await asyncio.sleep(0.5)
            return
        lines = self._lines(random.randint(1, 3))
        command = PlaceOrderV2(
            customer_id=who.customer_id,
            first_name=who.first_name,
            last_name=who.last_name,
            email=who.email,
            currency="USD",
            lines=[OrderLineInput(sku=sku, quantity=q) for sku, q in lines],
            ship_to=ShipTo(address=address(who.first_name, who.last_name), shipping_mode="standard"),
            payments=[self._card(client)],
        )
        record = await self.ledger.send(client, command, order_id=str(command.order_id), lines=lines, placed=True)
        if record.outcome == "accepted":
            self.world.to_ship.append(Placed(command.order_id, lines))

    async def _csr(self, client: AgentClient) -> None:
        """A CSR on the phone: registers the caller, then builds a cart step by step and submits it."""
        tag = uuid.uuid4().hex[:10]
        register = RegisterCustomerV1.model_validate(
            {
                "logon_id": f"rel.{tag}",
                "password": client.seal("Sunshine42!"),
                "first_name": "Jane",
                "last_name": f"Doe{tag[:4]}",
                "email": f"rel.{tag}@example.com",
                "phone": "+1 555 010 1234",
                "challenge_question": "First pet?",
                "challenge_answer": client.seal("Rex"),
                "preferred_currency": "USD",
                "preferred_language": "en-US",
                "address": {"line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"},
            }
        )
        record = await self.ledger.send(client, register, email=str(register.email))
        if record.outcome != "accepted":
            return
        customer = Customer(uuid.UUID(record.result["customer_id"]), "Jane", register.last_name, str(register.email))
        self.world.customers.append(customer)
        if self.stopping.is_set():
            return
        await self._cart(client, customer)

    async def _cart(self, client: AgentClient, customer: Customer) -> None:
        order_id = uuid.uuid4()
        create = CreateCartV1(
            order_id=order_id,
            customer_id=customer.customer_id,
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            currency="USD",
        )
        if (await self.ledger.send(client, create, order_id=str(order_id))).outcome != "accepted":
            return
        expected: dict[int, tuple[str, int]] = {}  # line number -> (sku, quantity) the CSR expects
        for sku, quantity in self._lines(random.randint(1, 3)):
            add = AddCartLineV1(order_id=order_id, sku=sku, quantity=quantity)
            record = await self.ledger.send(client, add, order_id=str(order_id), sku=sku, quantity=quantity)
            if record.outcome == "accepted":
                expected[len(expected) + 1] = (sku, quantity)
        if expected and random.random() < 0.5:  # a change of mind: another quantity on line 1
            sku, _ = expected[1]
            quantity = random.randint(1, 5)
            change = ChangeCartLineV1(order_id=order_id, line_no=1, quantity=quantity)
            if (await self.ledger.send(client, change, order_id=str(order_id))).outcome == "accepted":
                expected[1] = (sku, quantity)
        ship = ShipTo(address=address(customer.first_name, customer.last_name), shipping_mode="standard")
        steps: list[Any] = [
            SetShippingV1(order_id=order_id, ship_to=ship),
            SetBillingAddressV1(order_id=order_id, address=address(customer.first_name, customer.last_name)),
            AddPaymentInstructionV1(order_id=order_id, payment=self._card(client)),
        ]
        for step in steps:
            if self.stopping.is_set():
                return  # an abandoned cart: nothing is expected of it
            await self.ledger.send(client, step, order_id=str(order_id))
        lines = [expected[n] for n in sorted(expected)]
        submit = SubmitOrderV1(order_id=order_id)
        record = await self.ledger.send(client, submit, order_id=str(order_id), lines=lines, placed=True)
        if record.outcome == "accepted":
            self.world.to_ship.append(Placed(order_id, lines))

    async def _mailer(self, client: AgentClient) -> None:
        """A CSR writing to a customer (or, before any is registered, to an address)."""
        customer = self.world.some_customer()
        tag = uuid.uuid4().hex[:8]
        if customer is None:
            command = SendEmailV1(to=f"someone.{tag}@example.com", subject=f"Hello {tag}", body_text="Hi there.")
        else:
            command = SendEmailV1(
                customer_id=customer.customer_id, subject=f"About your order {tag}", body_text="We shipped it."
            )
        await self.ledger.send(client, command)

    async def _warehouse(self, client: AgentClient) -> None:
        """Fulfilment and returns, so that card money is captured and refunded under the faults:
        each placed order ships whole once released (its capture), and every other one sends a
        unit of line 1 back, received at once (its refund). An order not released yet (on the
        payment_pending hold while the provider is away) is refused and tried again later."""
        if not self.world.to_ship or time.monotonic() - self.world.to_ship[0].at < 1:
            await asyncio.sleep(0.5)
            return
        parcel = self.world.to_ship.popleft()
        shipment = RecordShipmentV1(
            order_id=parcel.order_id,
            shipment_id=f"SHP-{uuid.uuid4().hex[:12]}",
            lines=[ShipmentLineInput(line_no=n, quantity=q) for n, (_, q) in enumerate(parcel.lines, start=1)],
            carrier="UPS",
        )
        record = await self.ledger.send(client, shipment, order_id=str(parcel.order_id), shipped=parcel.lines)
        if record.outcome == "rejected" and parcel.tries < 60:
            parcel.tries += 1
            parcel.at = time.monotonic()
            self.world.to_ship.append(parcel)
            return
        if record.outcome != "accepted" or random.random() < 0.5:
            return
        back = CreateReturnV1(
            order_id=parcel.order_id, lines=[ReturnLineInput(line_no=1, quantity=1, reason="damaged")]
        )
        created = await self.ledger.send(client, back, order_id=str(parcel.order_id))
        if created.outcome == "accepted":
            receive = ReceiveReturnV1(return_id=back.return_id)
            refund = created.result["refund_amount"]
            await self.ledger.send(client, receive, order_id=str(parcel.order_id), refund=refund)

    async def _stock(self, client: AgentClient) -> None:
        """Goods received and counted: small stock deltas, applied exactly once or the count drifts."""
        sku = random.choice(self.world.skus)
        delta = random.choice([5, 10, -3, 7])
        command = AdjustStockV1(sku=sku, delta=delta, reason="goods received")
        await self.ledger.send(client, command, sku=sku, delta=delta)
        await asyncio.sleep(random.uniform(0.5, 1.5))
