"""A quote or a return as the caller names it: its number (read on the phone) or its id, wherever
``csr`` asks for one (``quote email|convert QUOTE``, ``return show|receive|refund RETURN``), like an
order's number; a number is looked up (the whole number, nothing partial), and what is neither is
said before anything is asked."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contracts.envelope import Command, Query
from contracts.orders import FindQuotesV1, GetReturnOrderV1
from csr.cli.commands.quotes import quote_id, quote_ref
from csr.cli.commands.returns import _return_id, return_ref
from csr.cli.runner import Lookup, Session
from csr.client.errors import UsageError

QUOTE, RETURN = uuid.uuid4(), uuid.uuid4()


class FakeOrders(Lookup):
    """The orders service: quote 500123 and return 700456 exist."""

    def __init__(self) -> None:
        super().__init__(Session())
        self.asked: list[Command | Query] = []

    async def ask(self, message: Command | Query) -> dict[str, Any]:
        self.asked.append(message)
        if isinstance(message, FindQuotesV1):
            known = [{"quote_id": str(QUOTE), "quote_number": "500123"}]
            return {"items": [q for q in known if q["quote_number"] == message.quote_number], "has_more": False}
        assert isinstance(message, GetReturnOrderV1) and message.return_number == "700456"
        return {"return_id": str(RETURN), "return_number": "700456"}


async def test_a_quote_number_is_looked_up_and_an_id_taken_as_it_is() -> None:
    lookup = FakeOrders()
    assert await quote_id(lookup, quote_ref(" 500123 ")) == QUOTE
    assert await quote_id(lookup, quote_ref(str(QUOTE))) == QUOTE
    assert [type(m) for m in lookup.asked] == [FindQuotesV1]  # the id needed no question


async def test_an_unknown_quote_number_says_how_to_find_the_customers_quotes() -> None:
    with pytest.raises(UsageError, match=r"no quote numbered 500124 .*csr quote find"):
        await quote_id(FakeOrders(), quote_ref("500124"))


async def test_a_return_number_is_looked_up_and_an_id_taken_as_it_is() -> None:
    lookup = FakeOrders()
    assert return_ref("700456") == {"return_number": "700456"}
    assert await _return_id(lookup, "700456") == RETURN
    assert await _return_id(lookup, f" {RETURN} ") == RETURN
    assert len(lookup.asked) == 1


@pytest.mark.parametrize(("parse", "text"), [(quote_ref, "Q-500123"), (return_ref, "R700456"), (return_ref, "7")])
def test_what_is_neither_a_number_nor_an_id_is_a_usage_error(parse: Any, text: str) -> None:
    with pytest.raises(UsageError, match=r"is neither a .* id \(a UUID\) nor a .* number \(digits\)"):
        parse(text)
