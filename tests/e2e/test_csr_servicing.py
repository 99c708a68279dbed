"""``csr quote``, ``csr order`` servicing commands, ``csr call``, ``csr return`` and ``csr email`` as a
CSR runs them: processes of their own (forked from one that has imported ``csr``; the installed
entry point is tests/e2e/test_csr_cli.py's) against the real system, their tables and views read as
text, their ``--json`` results, their exit codes and the rejections' codes and hints."""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from contracts.envelope import Role
from tests.support.builders import unique
from tests.support.csr_cli import (
    cli_order,
    csr_env,
    csr_fails,
    csr_json,
    csr_ok,
    registered,
    words,
)
from tests.support.orders import add_product, product
from tests.support.system import System, eventually


async def _products(system: System, tag: str, **prices: str) -> dict[str, str]:
    """Catalog products (name -> SKU) priced in USD, as the catalog feed publishes them."""
    async with system.client("catalog-feed", Role.SYSTEM) as feed:
        return {name: await add_product(feed, sku=f"{name}-{tag}".upper(), usd=usd) for name, usd in prices.items()}


def _supervisor(system: System) -> dict[str, str]:
    """The terminal of sam, the dev realm's supervisor, logged in (csr login --password)."""
    return csr_env(system, agent="sam", role=Role.SUPERVISOR)


async def _holds(ref: str, env: dict[str, str]) -> list[str]:
    return list((await csr_json("order", "show", ref, env=env))["order"]["holds"])


@pytest.mark.capability("SRV-01", "SRV-02", "NTF-01")
@pytest.mark.timeout(600)  # a dozen `csr` runs: slow on a loaded 2-core machine
async def test_a_quote_is_saved_emailed_and_converted_showing_the_price_change(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    skus = await _products(system, tag, TENT="249.00", PAD="149.00")
    customer_id = await registered(system, tag)
    email = (await csr_json("customer", "show", customer_id, env=env))["email"]
    cart = (await csr_json("cart", "create", "-c", customer_id, env=env))["order_id"]
    await csr_ok("cart", "add", cart, skus["TENT"], env=env)
    await csr_ok("cart", "add", cart, skus["PAD"], "2", env=env)
    await csr_ok("cart", "ship", cart, "--address", "default", "--mode", "standard", env=env)

    saved = await csr_ok("quote", "save", cart, "--valid-days", "10", env=env)
    quote = (await csr_json("quote", "find", "-c", customer_id, env=env))["items"][0]
    number = quote["quote_number"]
    emailed = await csr_ok("quote", "email", number, env=env)
    async with system.client("catalog-feed", Role.SYSTEM) as feed:  # the pad's price rises after the quote
        await feed.request(product(skus["PAD"], usd="159.00", on_hand=None))
    converted = await csr_ok("quote", "convert", number, env=env)
    again = await csr_fails("quote", "convert", number, env=env, code=1)
    found = await csr_ok("quote", "find", "--number", number, env=env)

    assert f"Quote saved: read the number {number} to the customer" in words(saved.stdout)
    assert f"Quote {number} e-mailed" in words(emailed.stdout) and email in emailed.stdout
    mail = await system.mailbox().wait_for_async(
        lambda m: email in m.rcpt_tos and f"quote {number}" in (m.subject or "").lower(), timeout=60
    )
    assert "Trail tent" in await asyncio.to_thread(Path(mail.file).read_text)  # the lines, by name
    seen = words(converted.stdout)
    assert f"Quote {number} converted into a cart" in seen
    assert f"{skus['PAD']} price changed 149.00 USD 159.00 USD quoted price" in seen, converted
    assert "quoted prices honoured" in seen
    new_cart = (await csr_json("quote", "find", "--number", number, env=env))["items"][0]["converted_to"]
    assert (await csr_json("order", "show", new_cart, env=env))["order"]["status"] == "cart"
    assert "rejected" in again.stderr
    assert f"{number} converted" in words(found.stdout)


@pytest.mark.capability("SRV-03")
async def test_a_fraud_block_is_lifted_only_by_a_supervisor(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    skus = await _products(system, tag, TENT="249.00")
    order = await cli_order(system, await registered(system, tag), skus["TENT"])
    number = order["order_number"]

    blocked = await csr_ok("order", "block", number, "--reason", "fraud", "--note", "card used in two states", env=env)
    shown = await csr_ok("order", "show", number, env=env)
    refused = await csr_fails("order", "unblock", number, "--note", "looks fine", env=env, code=1)
    refused_json = await csr_fails("--json", "order", "unblock", number, "--note", "looks fine", env=env, code=1)
    still = await _holds(number, env)
    # The CSR's block took the edit lock: the supervisor takes the order over to lift the block.
    locked = await csr_fails(
        "order", "unblock", number, "--note", "called the customer", env=_supervisor(system), code=1
    )
    await csr_ok("order", "take-over", number, "--note", "fraud review", env=_supervisor(system))
    lifted = await csr_ok("order", "unblock", number, "--note", "called the customer", env=_supervisor(system))

    assert "Order blocked" in blocked.stdout and "blocked" in words(blocked.stdout)
    assert "blocked fraud: card used in two states" in words(shown.stdout)
    assert "rejected forbidden" in refused.stderr and "a supervisor can" in words(refused.stderr)
    assert refused_json.json()["code"] == "forbidden"
    assert "blocked" in still
    assert "rejected locked" in locked.stderr and "take-over" in locked.stderr
    assert "Order unblocked" in lifted.stdout
    assert "blocked" not in await _holds(number, env)


@pytest.mark.capability("SRV-04", "SRV-05")
async def test_suspend_halts_changes_and_alerts_are_flagged_listed_and_cleared(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    skus = await _products(system, tag, TENT="249.00", PAD="149.00")
    number = (await cli_order(system, await registered(system, tag), skus["TENT"]))["order_number"]

    await csr_ok("order", "suspend", number, "--reason", "caller could not confirm the address", env=env)
    halted = await csr_fails("order", "change", number, "--add", skus["PAD"], "--reason", "more", env=env, code=1)
    suspended = await _holds(number, env)
    await csr_ok("order", "resume", number, "--note", "address confirmed", env=env)
    flagged = await csr_ok("order", "flag", number, "Customer asked twice about the delivery date", env=env)
    listed = await csr_ok("order", "alerts", number, env=env)
    raised = (await csr_json("order", "alerts", number, env=env))["alerts"]
    held = await _holds(number, env)
    await csr_ok("order", "clear-alerts", number, "--note", "told the customer", env=env)
    cleared = await csr_ok("order", "alerts", number, env=env)
    after = (await csr_json("order", "alerts", number, env=env))["alerts"]

    assert "suspended" in halted.stderr and "rejected invalid_state" in halted.stderr
    assert "suspended" in suspended
    assert "Order flagged for review" in flagged.stdout
    assert "not cleared" in listed.stdout and "Alerts of order" in listed.stdout
    assert [(a["source"], a["cleared"]) for a in raised] == [("csr", False)]
    assert "Customer asked twice about the delivery date" in raised[0]["message"]
    assert "alerts" in held
    assert "not cleared" not in cleared.stdout
    assert [(a["cleared"], a["clear_note"]) for a in after] == [(True, "told the customer")]
    assert "alerts" not in await _holds(number, env)


@pytest.mark.capability("SRV-10")
async def test_a_change_after_submit_shows_what_to_collect_and_what_to_refund(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    skus = await _products(system, tag, TENT="249.00", PAD="149.00")
    order = await cli_order(system, await registered(system, tag), skus["TENT"])
    number = order["order_number"]

    added = await csr_ok("order", "change", number, "--add", f"{skus['PAD']}:2", "--reason", "two pads", env=env)
    removed = await csr_json("order", "change", number, "--remove", "2", "--reason", "no pads after all", env=env)
    nothing = await csr_fails("order", "change", number, "--reason", "nothing", env=env, code=2)
    bad = await csr_fails("order", "change", number, "--set", "two", "--reason", "x", env=env, code=2)

    seen = words(added.stdout)
    assert f"Order {number} changed" in seen
    assert f"total before {Decimal(order['total']):.2f} USD" in seen
    assert "collect" in seen and "from the customer" in seen
    assert Decimal(removed["amount_due"]) < 0 and Decimal(removed["total"]) == Decimal(order["total"])
    assert "nothing to change" in nothing.stderr
    assert "write LINE:QUANTITY" in bad.stderr


@pytest.mark.capability("SRV-09")
async def test_an_order_is_cancelled_with_its_refund_and_not_twice(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    skus = await _products(system, tag, TENT="249.00")
    order = await cli_order(system, await registered(system, tag), skus["TENT"])
    number = order["order_number"]

    cancelled = await csr_ok("order", "cancel", number, "--reason", "customer changed their mind", env=env)
    twice = await csr_fails("order", "cancel", number, "--reason", "again", env=env, code=1)
    unknown = await csr_fails("order", "cancel", "99999999999", "--reason", "x", env=env, code=1)

    assert f"Order {number} cancelled" in words(cancelled.stdout)
    assert "refund" in cancelled.stdout
    assert "already cancelled" in twice.stderr
    assert "rejected not_found" in unknown.stderr and "Check the id or number" in words(unknown.stderr)


@pytest.mark.capability("SRV-06")
async def test_a_locked_order_refuses_another_agent_until_a_supervisor_takes_it_over(system: System) -> None:
    tag = unique()
    skus = await _products(system, tag, TENT="249.00")
    number = (await cli_order(system, await registered(system, tag), skus["TENT"]))["order_number"]
    alice, bob = csr_env(system, agent=f"alice-{tag[:6]}"), csr_env(system, agent=f"bob-{tag[:6]}")

    locked = await csr_ok("order", "lock", number, env=alice)
    refused = await csr_fails("order", "flag", number, "check this", env=bob, code=1)
    taken = await csr_ok("order", "take-over", number, "--note", "Alice is away", env=_supervisor(system))
    await csr_ok("order", "unlock", number, env=_supervisor(system))
    flagged = await csr_ok("order", "flag", number, "check this", env=bob)

    assert f"worked by alice-{tag[:6]}" in words(locked.stdout)
    assert "rejected locked" in refused.stderr and "take-over" in refused.stderr
    assert f"taken over from alice-{tag[:6]}" in words(taken.stdout)
    assert "Order flagged" in flagged.stdout


@pytest.mark.capability("SRV-07", "SRV-08")
async def test_parked_and_transferred_calls_are_on_the_pending_grid_and_voided_from_it(system: System) -> None:
    tag = unique()
    skus = await _products(system, tag, TENT="249.00")
    customer_id = await registered(system, tag)
    alice, bob = csr_env(system, agent=f"alice-{tag[:6]}"), csr_env(system, agent=f"bob-{tag[:6]}")
    parked_cart = (await csr_json("cart", "create", "-c", customer_id, env=alice))["order_id"]
    moved_cart = (await csr_json("cart", "create", "-c", customer_id, env=alice))["order_id"]
    dropped_cart = (await csr_json("cart", "create", "-c", customer_id, env=alice))["order_id"]
    for cart in (parked_cart, moved_cart):
        await csr_ok("cart", "add", cart, skus["TENT"], env=alice)

    parked = await csr_ok("call", "park", parked_cart, "--note", "customer looks for the card", env=alice)
    await csr_ok("call", "transfer", moved_cart, "--to", f"bob-{tag[:6]}", env=alice)
    await csr_ok("call", "void", dropped_cart, "--reason", "wrong number", env=alice)
    alices = await csr_ok("order", "pending", env=alice)
    bobs = await csr_json("order", "pending", env=bob)
    voided = await csr_ok("order", "void", moved_cart, "--reason", "customer ordered online", env=bob)
    dropped = (await csr_json("order", "show", dropped_cart, env=alice))["order"]["status"]

    assert "Call parked" in parked.stdout
    assert parked_cart in alices.stdout and "Pending orders" in alices.stdout and moved_cart not in alices.stdout
    assert [p["order_id"] for p in bobs["items"]] == [moved_cart]
    assert "Pending order voided" in voided.stdout
    assert dropped == "voided"
    assert [p["order_id"] for p in (await csr_json("order", "pending", env=bob))["items"]] == []


@pytest.mark.capability("SRV-11", "SRV-12")
async def test_a_return_is_created_for_shipped_lines_found_and_shown(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    skus = await _products(system, tag, TENT="249.00", PAD="149.00")
    order = await cli_order(system, await registered(system, tag), skus["TENT"], f"{skus['PAD']}:2")
    number = order["order_number"]
    shipment = json.dumps([{"line_no": 1, "quantity": 1}, {"line_no": 2, "quantity": 2}])
    warehouse = csr_env(system, agent="cli-warehouse", role=Role.SYSTEM)
    await csr_ok("send", "RecordShipment", "--set", f"order_id={order['order_id']}",
                 "--set", f"shipment_id=SHP-{tag}", "--set", f"lines:={shipment}", env=warehouse)  # fmt: skip

    too_early = await csr_fails("return", "create", number, "--line", "2:3:defective", env=env, code=1)
    bad_reason = await csr_fails("return", "create", number, "--line", "2:1:ugly", env=env, code=1)
    malformed = await csr_fails("return", "create", number, "--line", "2-1", env=env, code=2)
    created = await csr_ok("return", "create", number, "--line", "2:1:defective", "--note", "slow leak", env=env)
    found = await csr_json("return", "find", "--order", number, env=env)
    ret = found["items"][0]
    shown = await csr_ok("return", "show", ret["return_number"], env=env)
    listed = await csr_ok("return", "find", "--order", number, env=env)
    # The goods arrive: the return named by its number, as on the parcel's label.
    await csr_ok("return", "receive", ret["return_number"], "--note", "pad arrived", env=env)
    received = await csr_json("return", "show", ret["return_number"], env=env)

    assert "rejected return_exceeds_shipped" in too_early.stderr
    assert "rejected unknown_return_reason" in bad_reason.stderr
    assert "write LINE:QUANTITY:REASON" in malformed.stderr
    assert f"Return {ret['return_number']}: requested" in words(created.stdout)
    assert f"2 {skus['PAD']}" in words(created.stdout) and "defective" in created.stdout
    assert len(found["items"]) == 1 and Decimal(ret["refund_amount"]) > 0
    assert f"Return order {ret['return_number']}" in words(shown.stdout) and "slow leak" in shown.stdout
    assert ret["return_number"] in listed.stdout and "Returns" in listed.stdout
    assert received["return_id"] == ret["return_id"] and received["status"] in {"received", "refunded"}


@pytest.mark.capability("NTF-03")
async def test_an_email_to_a_customer_is_sent_and_its_status_shown_in_the_history(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)
    email = (await csr_json("customer", "show", customer_id, env=env))["email"]
    subject = f"Your tent {tag}"

    queued = await csr_json("email", "send", "-c", customer_id, "--subject", subject,
                            "--body", "Dear Jane,\nyour tent is on its way.", env=env)  # fmt: skip

    async def sent() -> str:
        history = await csr_ok("email", "history", "-c", customer_id, env=env)
        assert subject in history.stdout and "sent" in history.stdout
        return history.stdout

    history = await eventually(sent, timeout=60)
    shown = await csr_ok("email", "show", queued["email_id"], env=env)
    mail = await system.mailbox().wait_for_async(lambda m: email in m.rcpt_tos and m.subject == subject, timeout=60)
    nobody = await csr_fails("email", "send", "--subject", "x", "--body", "y", env=env, code=2)
    not_an_id = await csr_fails("email", "show", "12", env=env, code=2)
    unknown = await csr_fails("email", "show", str(uuid.uuid4()), env=env, code=1)

    assert queued["to"] == email
    assert queued["email_id"] in history
    assert "your tent is on its way" in shown.stdout and subject in shown.stdout
    assert "your tent is on its way" in await asyncio.to_thread(Path(mail.file).read_text)
    assert "give --customer" in nobody.stderr
    assert "is not an e-mail id" in not_an_id.stderr
    assert "rejected not_found" in unknown.stderr


@pytest.mark.capability("ORD-03", "CUS-06")
@pytest.mark.timeout(300)
async def test_a_cart_is_billed_to_a_typed_address_or_the_address_book_default(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)
    cart = (await csr_json("cart", "create", "-c", customer_id, env=env))["order_id"]

    typed = ("--street", "9 Elm St", "--city", "Peoria", "--region", "IL", "--postal-code", "61602")
    await csr_ok("cart", "bill", cart, *typed, "--country", "US", "--first-name", "Pat", env=env)
    billed = (await csr_json("order", "show", cart, env=env))["order"]["billing_address"]
    await csr_ok("cart", "bill", cart, "--address", "default", env=env)
    default = (await csr_json("order", "show", cart, env=env))["order"]["billing_address"]

    assert (billed["line1"], billed["city"], billed["postal_code"], billed["first_name"]) == (
        "9 Elm St", "Peoria", "61602", "Pat"
    )  # fmt: skip
    assert default["line1"] != "9 Elm St" and default["city"]  # the customer's default address replaced it
