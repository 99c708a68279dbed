"""The cause of a money event from before the orders service named it (``cause`` absent): read from
the words of its ``reason``, as the orders service wrote them then.

This is the only place that reads a reason's words, and only as an upcaster of older events still
in the topic when a consumer is upgraded (the event is V1 and ``cause`` optional, so such events
stay valid): new events carry ``cause`` and are never read this way. A reason in other words
(reworded later, or in another language) gives None, and None is not e-mailed.
"""

from __future__ import annotations

from contracts.orders import MoneyCause

_MOVEMENT_WORDS: tuple[tuple[str, MoneyCause], ...] = (
    ("return ", "return"),  # "return 1000012 received"
    ("exchange", "exchange"),  # "exchange: return 1000012 and 1 new line(s)..."
    ("claim ", "claim"),  # "claim <id>: 1 x line 1 (SKU) lost, refund"
    ("cancelled: ", "cancel"),
    ("authorized after the order was cancelled", "cancel"),
    ("changed: ", "change"),
    ("appeasement of ", "appeasement"),
    ("shipment ", "shipment"),
    ("re-authorized before ", "reauthorization"),
    ("declined", "outside_result"),
    ("reported by the payment system", "outside_result"),
    ("order ", "submit"),  # "order 1000009 submitted", a resubmit's too
)

_ISSUED_BY: dict[str, MoneyCause] = {"appeasement": "appeasement", "supervisor": "supervisor"}


def of_movement(reason: str) -> MoneyCause | None:
    """An older PaymentMovementV1's cause, from its reason's first words."""
    return next((cause for words, cause in _MOVEMENT_WORDS if reason.startswith(words)), None)


def of_store_credit(source: str, kind: str, reason: str) -> MoneyCause | None:
    """An older StoreCreditIssuedV1's cause. Issued credit is named by its ``source``. Credit given
    back said only ``refunded from order N`` or ``released from order N``: refunded is taken as a
    return's (what the older rule e-mailed; a claim's or an exchange's looked the same and could
    not be told apart), released as a cancel's (a cancel's or a change's: neither is e-mailed)."""
    if kind == "issued":
        return _ISSUED_BY.get(source)
    if reason.startswith("refunded"):
        return "return"
    return "cancel" if reason.startswith("released") else None
