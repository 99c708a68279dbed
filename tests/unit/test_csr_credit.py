"""How store credit and appeasements read in csr (MNY-07, MNY-08), the command line's refusal of a
payout it does not know before anything is sent, and the store credit `csr customer show` adds to
the customer (a note instead when the orders service cannot say)."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any, Literal

import pytest
from rich.console import Console

from contracts.customers import GetCustomerV1
from contracts.envelope import Command, Query, ReplyV1
from contracts.orders import GetStoreCreditV1
from csr.cli.app import main
from csr.cli.commands.customers import customer_with_credit
from csr.cli.runner import Lookup, Session
from csr.client.errors import BrokerUnavailable, ClientError, ReplyTimeout, RequestRejected
from csr.console import views  # noqa: F401  (registers the renderers)
from csr.console.render import shown


def text(renderable: Any) -> str:
    out = io.StringIO()
    Console(file=out, width=100, highlight=False, color_system=None).print(renderable)
    return out.getvalue()


def test_the_balance_per_currency_and_the_movements_read_signed() -> None:
    result = {
        "customer_id": str(uuid.uuid4()),
        "balances": [{"currency": "USD", "balance": "10.00"}],
        "movements": [
            {"kind": "redeemed", "amount": "25.00", "currency": "USD", "order_number": "1000123", "reason": "paid",
             "by": "csr-alice", "at": "2026-12-07T10:00:00+00:00", "source": "order", "movement_id": "x"},
            {"kind": "issued", "amount": "35.00", "currency": "USD", "order_number": None, "reason": "sorry",
             "by": "sup-sam", "at": "2026-12-07T09:00:00+00:00", "source": "supervisor", "movement_id": "y"},
        ],
    }  # fmt: skip
    shown_text = text(shown("GetStoreCredit", result))
    assert "Store credit" in shown_text and "10.00 USD" in shown_text
    assert "-  25.00 USD" in shown_text and "+  35.00 USD" in shown_text
    assert "1000123" in shown_text and "sup-sam" in shown_text
    assert "no store credit" in text(shown("GetStoreCredit", {"balances": [], "movements": []}))


def test_an_appeasement_says_where_the_money_went() -> None:
    card = {"order_number": "1000123", "amount": "20.00", "currency": "USD", "payout": "card", "refunded": "20.00"}
    assert "refunded to the card" in text(shown("GrantAppeasement", card))
    credit = {**card, "payout": "store_credit", "refunded": "0", "store_credit_balance": "30.00"}
    assert "store credit balance" in text(shown("GrantAppeasement", credit))


def test_an_unknown_payout_is_a_usage_error_and_nothing_is_sent(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--json", "credit", "appease", "5.00", "USD", "--order", "1000123", "--reason", "late_delivery",
              "--to", "cash"])  # fmt: skip
    assert exited.value.code == 2 and "--to 'cash'" in capsys.readouterr().out


# --- the store credit beside the customer (csr customer show) --------------------------------


class TwoServices(Lookup):
    """The customers service answers GetCustomerV1; the orders service answers GetStoreCreditV1
    as ``orders`` says: a result, a refusal, or silence."""

    def __init__(self, customer: ReplyV1, orders: ReplyV1 | ClientError) -> None:
        super().__init__(Session())
        self.customer, self.orders = customer, orders
        self.credit_asked: list[GetStoreCreditV1] = []
        self.credit_cancelled = False
        self.customer_shown = asyncio.Event()

    async def ask(self, message: Command | Query) -> dict[str, Any]:
        if isinstance(message, GetCustomerV1):
            await asyncio.sleep(0)  # the customers service answers while the credit is being asked
            shown = answer(self.customer)
            self.customer_shown.set()
            return shown
        assert isinstance(message, GetStoreCreditV1)
        self.credit_asked.append(message)
        try:
            await self.customer_shown.wait()  # the orders service answers last: never, if no customer is shown
        except asyncio.CancelledError:
            self.credit_cancelled = True
            raise
        if isinstance(self.orders, ClientError):
            raise self.orders
        return answer(self.orders)


def answer(reply: ReplyV1) -> dict[str, Any]:
    if not reply.accepted:
        raise RequestRejected(reply)
    return reply.result or {}


def reply(request_type: str, result: dict[str, Any] | None = None, code: str | None = None) -> ReplyV1:
    status: Literal["accepted", "rejected"] = "rejected" if code else "accepted"
    return ReplyV1(request_id=uuid.uuid4(), request_type=request_type, status=status, result=result, code=code,
                   message=f"{code} says the service" if code else None)  # fmt: skip


CUSTOMER_ID = uuid.uuid4()
CUSTOMER: dict[str, Any] = {
    "customer_id": str(CUSTOMER_ID),
    "first_name": "Hana",
    "last_name": "Yamada",
    "addresses": [],
}
BALANCES = [{"currency": "EUR", "balance": "4.5000"}, {"currency": "USD", "balance": "35.00"}]


async def test_customer_show_adds_the_balance_per_currency_and_asks_for_no_movements() -> None:
    lookup = TwoServices(
        reply("GetCustomer", CUSTOMER), reply("GetStoreCredit", {"balances": BALANCES, "movements": []})
    )

    result = await customer_with_credit(lookup, CUSTOMER_ID)

    assert result == {**CUSTOMER, "store_credit": {"balances": BALANCES}}
    assert [(q.customer_id, q.limit, q.currency) for q in lookup.credit_asked] == [(CUSTOMER_ID, 0, None)]
    view = text(shown("GetCustomer", result))
    assert "Store credit" in view and "EUR  4.50 EUR" in view and "USD  35.00 USD" in view


@pytest.mark.parametrize(
    ("orders", "code", "says"),
    [
        (reply("GetStoreCredit", code="forbidden"), "forbidden", "the orders service refused: forbidden says"),
        (ReplyTimeout("GetStoreCredit", "p1.orders.queries", 15.0, 3), "reply_timeout", "is the orders service"),
        (BrokerUnavailable("could not publish GetStoreCredit"), "broker_unavailable", "could not publish"),
    ],
)
async def test_customer_show_without_the_orders_service_shows_the_customer_and_a_note(
    orders: ReplyV1 | ClientError, code: str, says: str
) -> None:
    lookup = TwoServices(reply("GetCustomer", CUSTOMER), orders)

    result = await customer_with_credit(lookup, CUSTOMER_ID)

    credit = result.pop("store_credit")
    assert result == CUSTOMER  # the customer whole, as the customers service showed them
    assert credit["balances"] is None and credit["unavailable"] == code
    assert credit["note"].startswith("store credit not available: ") and says in credit["note"]
    view = " ".join(text(shown("GetCustomer", {**result, "store_credit": credit})).replace("│", " ").split())
    assert "Customer Hana Yamada" in view and "store credit not available" in view and "csr credit show" in view
    assert "no store credit" not in view  # unknown is not zero


async def test_customer_show_of_an_unknown_customer_is_refused_and_stops_asking_for_credit() -> None:
    lookup = TwoServices(reply("GetCustomer", code="not_found"), reply("GetStoreCredit", {"balances": []}))

    with pytest.raises(RequestRejected) as refused:
        await customer_with_credit(lookup, uuid.uuid4())

    assert refused.value.code == "not_found" and len(lookup.credit_asked) == 1 and lookup.credit_cancelled


def test_a_customer_with_no_store_credit_reads_so_and_one_shown_without_it_has_no_panel() -> None:
    assert "no store credit" in text(shown("GetCustomer", {**CUSTOMER, "store_credit": {"balances": []}}))
    assert "Store credit" not in text(shown("GetCustomer", CUSTOMER))  # `csr send GetCustomer`: one service only


async def test_questions_asked_at_once_open_one_client(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []

    class Connecting:
        async def __aenter__(self) -> object:
            await asyncio.sleep(0.01)  # connecting takes a while: the second question comes meanwhile
            opened.append(object())
            return opened[-1]

        async def __aexit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(Session, "client", lambda self, *a, **kw: Connecting())
    async with Lookup(Session()) as lookup:
        first, second = await asyncio.gather(lookup.client(), lookup.client())
    assert len(opened) == 1 and first is second
