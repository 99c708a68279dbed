"""Typed holds and the block list (MNY-09): rules evaluated at submit (and on every change after
submit) put a typed hold on an order; the order does not go to fulfilment while any hold is on. A
hold releases itself when what caused it is resolved (the block-list entry removed, the total or the
addresses changed), or a supervisor releases one hold type explicitly."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from contracts.common import FreeText
from contracts.envelope import SUPERVISOR_ONLY, Command, Event, PartitionKey
from contracts.orders.after_sale import BlockListKind, HoldType
from contracts.orders.commands import _OrderEdit
from contracts.orders.values import Reason, _model
from contracts.topics import ORDERS_COMMANDS, ORDERS_EVENTS

BlockedValue = Annotated[FreeText, StringConstraints(min_length=1, max_length=300)]
"""An e-mail address, a phone number, a card fingerprint (``brand:last4:MM/YYYY``) or an address
(``line1|postal code|country``); compared case- and space-insensitively."""


class ReleaseHoldV1(_OrderEdit):
    """A supervisor releases one type of typed hold of an order (MNY-09), with a note saying why; the
    order is released to fulfilment once no hold is left. The same finding does not hold the order
    again."""

    ALLOWED_ROLES = SUPERVISOR_ONLY
    hold_type: HoldType
    note: Reason


class BlockListEntryResult(BaseModel):
    model_config = _model()

    entry_id: uuid.UUID
    kind: BlockListKind
    value: str
    released_orders: list[uuid.UUID] = Field(
        default_factory=list, description="orders whose block_list hold this entry alone caused, released now"
    )


class _BlockListCommand(Command):
    TOPIC = ORDERS_COMMANDS
    ALLOWED_ROLES = SUPERVISOR_ONLY
    RESULT = BlockListEntryResult
    PARTITION_KEY = PartitionKey("entry_id")


class AddBlockListEntryV1(_BlockListCommand):
    """Put an e-mail address, phone number, card fingerprint or address on the block list: an order
    submitted with it is held (``block_list``) until the entry is removed or a supervisor releases it.
    The same value twice is a ``conflict``."""

    entry_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    kind: BlockListKind
    value: BlockedValue
    note: Reason


class RemoveBlockListEntryV1(_BlockListCommand):
    """Take an entry off the block list: the ``block_list`` holds it caused are released."""

    entry_id: uuid.UUID
    note: Reason


class OrderHoldChangedV1(Event):
    """A typed hold was placed on an order or released (MNY-09): which type, which finding, why, by whom.
    OrderHeldV1 and OrderReleasedV1 still tell fulfilment whether it may ship."""

    TOPIC = ORDERS_EVENTS
    PARTITION_KEY = PartitionKey("order_id")

    order_id: uuid.UUID
    order_number: str
    customer_id: uuid.UUID
    version: int
    hold_type: HoldType
    key: str
    change: Literal["placed", "released"]
    reason: str
    by: str
    at: datetime


class BlockListChangedV1(Event):
    """An entry was added to the block list or removed from it (the value itself is not published)."""

    TOPIC = ORDERS_EVENTS
    PARTITION_KEY = PartitionKey("entry_id")

    entry_id: uuid.UUID
    kind: BlockListKind
    change: Literal["added", "removed"]
    note: str
    by: str
    at: datetime
    released_orders: list[uuid.UUID] = Field(default_factory=list)
