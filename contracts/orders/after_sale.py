"""What an order shows of money after the sale beyond its payments (MNY-05, MNY-06, MNY-09): the
typed holds the risk rules put on it and its claims. Values only: the messages are in
``contracts.orders.risk`` and ``contracts.orders.claims``."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from contracts.common import Amount
from contracts.orders.values import _model

HoldType = Literal["amount_over_limit", "country_mismatch", "block_list"]
"""``amount_over_limit``: the total is above the threshold of its currency; ``country_mismatch``:
billed in one country, shipped to another; ``block_list``: an e-mail, phone, card fingerprint or
address of the order is on the block list."""
BlockListKind = Literal["email", "phone", "card_fingerprint", "address"]
ClaimReason = Literal["lost", "damaged"]
ClaimResolution = Literal["reship", "refund"]


class TypedHoldView(BaseModel):
    """A hold a rule put on the order (MNY-09), kept after it is released for the record."""

    model_config = _model()

    hold_type: HoldType
    key: str = Field(description="the finding: the threshold, the countries, the block-list entry")
    reason: str
    placed_by: str
    placed_at: datetime
    released: bool = False
    released_by: str | None = None
    released_at: datetime | None = None
    release_note: str | None = None


class ClaimView(BaseModel):
    """A lost or damaged line resolved without a return (MNY-06): reshipped at no charge, or refunded."""

    model_config = _model()

    claim_id: uuid.UUID
    line_no: int
    sku: str
    quantity: int
    reason: ClaimReason
    resolution: ClaimResolution
    refund_amount: Amount = Decimal(0)
    note: str | None = None
    by: str
    at: datetime
