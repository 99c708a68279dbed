"""A card as it is added (MNY-01): with a card provider configured, its number goes to the provider
once, here, and the provider's token replaces ours; who typed it is recorded (a CSR typing a card
for a caller makes a mail/telephone order, ``moto``). The number leaves this function's memory only
towards the provider; no message, log line or exception names it."""

from __future__ import annotations

import dataclasses
import uuid

from contracts import errors
from contracts.envelope import STAFF
from contracts.errors import Refused
from contracts.orders import CardPaymentInput, OrderErrors
from services.orders.adapters.deps import Ctx
from services.orders.adapters.payment_store import PgPaymentLedger
from services.orders.application.payments import ProviderUnavailable
from services.orders.domain.cards import CardFacts


async def tokenized(
    ctx: Ctx, facts: CardFacts, number: str, card: CardPaymentInput, payment_id: uuid.UUID, field: str
) -> CardFacts:
    await PgPaymentLedger(ctx.conn).record_card_entry(payment_id, ctx.actor.role in STAFF, ctx.now)
    stripe = ctx.deps.providers.stripe
    if stripe is None:
        return facts
    # Derived from the message: a redelivered command tokenizes with the same key (one PaymentMethod).
    key = f"oms-{uuid.uuid5(ctx.envelope.message_id, f'tokenize:{field}')}"
    try:
        answer = await stripe.tokenize_card(number, card.expiry_month, card.expiry_year, card.holder_name, key)
    except ProviderUnavailable:
        # Nothing is kept yet, so nothing waits: the CSR is told at once and adds the card again.
        raise Refused.field(
            errors.INVALID_STATE, f"{field}.card_number", "the card provider cannot be reached now: try again shortly"
        ) from None
    if answer.outcome == "declined" or answer.reference is None:
        raise Refused.field(
            OrderErrors.INVALID_CARD_NUMBER,
            f"{field}.card_number",
            f"the card provider refused the card: {answer.reason}",
        )
    return dataclasses.replace(facts, token=answer.reference)
