"""Which money e-mail, if any, tells the customer about money that moved (MNY-04..MNY-08), decided
on the event's ``cause`` (contracts/orders/causes.py) and never on its reason's words.

One e-mail per thing the customer should hear about, never two for one: most use cases that give
money back have their own e-mail, which already says what it gives back (a cancel's, a change's,
an exchange's, an appeasement's, a claim's), so their refund movement or the store credit they give
back is not e-mailed again. Only what no other e-mail tells is e-mailed here: the refund of a
received return, and store credit a supervisor issued or a return gave back.
"""

from __future__ import annotations

from typing import Final, Literal

from contracts.orders import MoneyCause

MoneyEmail = Literal["refund", "store_credit"]

HERE: Final = "here"
"""Told by this module's e-mails (``refund`` or ``store_credit``): nothing else tells it."""

TOLD_BY: dict[MoneyCause, str | None] = {
    "return": HERE,
    "supervisor": HERE,
    "claim": "claim",  # from ClaimFiledV1: what is refunded, to whatever paid
    "appeasement": "appeasement",
    "exchange": "exchange",
    "change": "order_changed",
    "cancel": "order_cancelled",
    # These never give the customer money back: they authorize, capture or renew a hold.
    "submit": None,
    "resubmit": None,
    "shipment": None,
    "reauthorization": None,
    "outside_result": None,
}
"""For each cause, the e-mail that tells the customer about money it gives back (None: nothing
given back, nothing to tell). Every cause is here: a new one is a decision, not a default."""


def for_movement(cause: MoneyCause | None, kind: str, status: str, method: str | None) -> MoneyEmail | None:
    """A payment movement (PaymentMovementV1): ``refund`` for a succeeded refund to what paid
    (a card, an invoice) that no other e-mail tells. A void is no refund (the customer was never
    charged); store credit given back is told by its own event (``for_store_credit``)."""
    if kind != "refund" or status != "succeeded" or method == "store_credit":
        return None
    return "refund" if _told_here(cause) else None


def for_store_credit(cause: MoneyCause | None) -> MoneyEmail | None:
    """Store credit issued or given back (StoreCreditIssuedV1): ``store_credit`` when no other
    e-mail tells it."""
    return "store_credit" if _told_here(cause) else None


def _told_here(cause: MoneyCause | None) -> bool:
    """An event whose cause is not known (an older producer's, not named by its words either) is
    not e-mailed: a missing e-mail can be sent by a CSR, a wrong or second one cannot be unsent."""
    return cause is not None and TOLD_BY[cause] == HERE
