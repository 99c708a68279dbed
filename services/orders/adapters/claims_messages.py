"""Which handler answers which message of money after the sale beyond payments: typed holds and the
block list (MNY-09), claims (MNY-06), exchanges (MNY-05). Included from the service's wiring with one line."""

from __future__ import annotations

from contracts import orders as o
from services.orders.adapters.deps import OrdersDeps
from services.orders.adapters.use_cases import handler
from services.orders.application import claims, exchanges, typed_holds
from services.runtime.handling import Handlers


def register(h: Handlers[OrdersDeps]) -> None:
    h.command(o.ReleaseHoldV1)(handler(typed_holds.release_hold))
    h.command(o.AddBlockListEntryV1)(handler(typed_holds.add_block_list_entry))
    h.command(o.RemoveBlockListEntryV1)(handler(typed_holds.remove_block_list_entry))
    h.command(o.FileClaimV1)(handler(claims.file_claim))
    h.command(o.ExchangeItemsV1)(handler(exchanges.exchange_items))
