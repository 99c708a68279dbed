"""Why money moved (MNY-01..MNY-08): the business cause the orders service names on every money
event (``PaymentMovementV1``, ``StoreCreditIssuedV1``, ``StoreCreditRedeemedV1``).

A consumer decides on ``cause``, never on ``reason``: the reason is words for people (they change,
and they are in one language); the cause is the contract. Each value is the use case that moved the
money, so the one e-mail that tells the customer about it can be chosen from it (e.g. store credit
an exchange gives back is told by the exchange's e-mail, not once more as store credit).

A new value is a change older consumers cannot read (a Literal refuses what it does not know):
it needs a new version of the events that carry it."""

from __future__ import annotations

from typing import Literal

MoneyCause = Literal[
    "submit",
    "resubmit",
    "shipment",
    "change",
    "cancel",
    "return",
    "exchange",
    "claim",
    "appeasement",
    "supervisor",
    "outside_result",
    "reauthorization",
]
"""Why money moved; ``MONEY_CAUSES`` says what each value means."""

MONEY_CAUSES: dict[MoneyCause, str] = {
    "submit": "the order was submitted (ORD-09): its payment instructions authorized, store credit redeemed",
    "resubmit": "an order on the payment hold was submitted again with new payment instructions (ORD-10)",
    "shipment": "a shipment was recorded (SRV-11, MNY-03): what it carries captured",
    "change": "a change after submit (SRV-10): more authorized, or what it lowered voided or refunded",
    "cancel": "the order was cancelled (SRV-09): held voided, taken refunded; also an authorization"
    " answered only after the cancel, released at once",
    "return": "a received return was refunded to what paid for it (SRV-12, MNY-04)",
    "exchange": "an exchange settled its difference (MNY-05): collected, or voided or refunded",
    "claim": "a claim for a lost or damaged line was refunded (MNY-06)",
    "appeasement": "goodwill granted on an order (MNY-07): refunded to the card or issued as store credit",
    "supervisor": "a supervisor issued store credit to a customer (MNY-08, IssueStoreCreditV1)",
    "outside_result": "an outside payment system's result (RecordPaymentResultV1): an authorization it"
    " reported, or what a decline it reported releases",
    "reauthorization": "an authorization about to expire was replaced (MNY-02): a new one, the old one voided",
}

CAUSE_DESCRIPTION = "Why the money moved (always set by the orders service; absent only in events from before it): " + (
    "; ".join(f"``{cause}``: {meaning}" for cause, meaning in MONEY_CAUSES.items())
)
"""The field's description in the generated schemas and docs: each value with its meaning."""
