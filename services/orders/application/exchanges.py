"""Exchanges (MNY-05): a return and new items in one step, the difference settled through the
payment ledger at once. The rules are ``domain.exchanges`` and ``domain.returns``; pricing and the
stock reservations are a change after submit's (``change_order``), and so are the typed holds
(MNY-09, ``typed_holds.screened``) on the order's new total."""

from __future__ import annotations

from contracts import errors
from contracts.errors import Refused
from contracts.orders import ExchangeItemsV1, ExchangeResult
from services.orders.application import typed_holds
from services.orders.application.change_order import _priced, _reserved
from services.orders.application.editing import load_for_edit, save
from services.orders.application.unit_of_work import UnitOfWork
from services.orders.domain import changes, exchanges, pricing, returns
from services.orders.domain.order import order_number


async def exchange_items(uow: UnitOfWork, cmd: ExchangeItemsV1) -> ExchangeResult:
    before = await load_for_edit(uow, cmd.order_id, cmd.expected_version)
    if await uow.returns.get(cmd.return_id) is not None:
        raise Refused.field(errors.CONFLICT, "payload.return_id", f"return {cmd.return_id} already exists")
    agent, now = uow.actor.agent_id, uow.now
    number = order_number(await uow.returns.next_number())
    reasons = list(uow.policy.return_reasons)
    document, counted = returns.create(before, cmd.return_lines, reasons, cmd.return_id, number, cmd.note, agent, now)
    document = document.model_copy(update={"exchange": True})
    products = await uow.catalog.products(ln.sku for ln in cmd.add_lines)
    order, new, _ = exchanges.with_new_items(counted, cmd.add_lines, products, uow.policy)
    order = await _reserved(uow, await _priced(uow, order))
    # MNY-09: the new total and whatever the new items ship to are screened as at submit and on a
    # change, so an exchange cannot take an order past the rules without a hold (nor ship it).
    order, typed = await typed_holds.screened(uow, order)
    due = exchanges.amount_due(before, order, document)
    order = order.model_copy(update={"payments": changes.rebalance(order.payments, order.totals.total)})
    reason = f"exchange: return {number} and {len(new)} new line(s)" + (f": {cmd.note}" if cmd.note else "")
    order = await uow.payments.settle_change(pricing.with_payment_amounts(order), due, reason, "exchange")
    saved = await save(uow, order, "exchanged", typed_holds.reason_with(reason, typed), content_changed=True)
    await uow.returns.add(document)
    uow.emit(returns.created_event(document))
    uow.emit(exchanges.created_event(saved, document, new, due, agent, now))
    typed_holds.emit_changes(uow, saved, typed)
    assert saved.order_number is not None
    return ExchangeResult(
        order_id=saved.order_id,
        order_number=saved.order_number,
        version=saved.version,
        status=saved.status,
        holds=saved.holds,
        return_id=document.return_id,
        return_number=document.return_number,
        currency=saved.currency,
        return_credit=document.refund_amount,
        new_items_total=due + document.refund_amount,
        amount_due=due,
    )
