"""``csr customer``, ``csr tickler`` and ``csr account`` as a CSR types them: each command a process
of its own (forked from one that has imported ``csr``; tests/e2e/test_csr_cli.py runs the installed
entry point) against the real system, what it prints checked, and what the system did checked
through its replies, rows and e-mails."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from contracts.common import Money
from contracts.customers import ReportFailedLogonV1
from contracts.envelope import Role
from contracts.orders import FulfilledItem, IssueStoreCreditV1, TrackableItemsFulfilledV1
from csr.client import OmsClient
from tests.support.builders import unique
from tests.support.csr_cli import csr_env, csr_fails, csr_json, csr_ok, registered, words
from tests.support.customers import publish_event
from tests.support.orders import accepted
from tests.support.system import System, eventually


@pytest.mark.capability("CUS-01", "CUS-03", "CUS-04", "MNY-08")
async def test_find_lists_a_table_and_show_reads_as_panels(system: System, supervisor: OmsClient) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag, **{"--mobile": "+1 555 010 9999", "--attribute": "tier=gold"})
    no_credit_yet = await csr_json("customer", "show", customer_id, env=env)
    credit = IssueStoreCreditV1(customer_id=uuid.UUID(customer_id), amount=Money(amount="12.50", currency="EUR"),
                                reason="late parcel")  # fmt: skip
    accepted(await supervisor.send(credit))

    found = await csr_ok("customer", "find", "--last-name", f"terminal{tag[:4]}", "--phone", "555-010-4242", env=env)
    shown = await csr_ok("customer", "show", customer_id, env=env)
    as_json = await csr_json("customer", "find", "--logon-id", f"cli.{tag}", env=env)
    shown_json = await csr_json("customer", "show", customer_id, env=env)

    row = words(found.stdout)
    assert "name logon e-mail phone postal code account status customer id" in row
    assert f"Carla Terminal{tag[:4]} cli.{tag} carla.{tag}@example.com +1 555 010 4242 62701 — enabled" in row
    assert customer_id in found.stdout
    view = words(shown.stdout)
    for panel in ("Customer Carla", "Status", "Account", "Address book", "Attributes"):
        assert panel in view
    assert "12 Harbour Road, Springfield IL 62701, US ✓ default ✓ default" in view
    assert "mobile +1 555 010 9999" in view and "tier gold" in view and "no account" in view
    assert [c["customer_id"] for c in as_json["customers"]] == [customer_id]
    # The store credit, from the orders service, beside the customer (MNY-08).
    assert no_credit_yet["store_credit"] == {"balances": []}
    assert "Store credit EUR 12.50 EUR" in view
    [balance] = shown_json["store_credit"]["balances"]
    assert (balance["currency"], Decimal(balance["balance"])) == ("EUR", Decimal("12.50"))


@pytest.mark.capability("CUS-04", "MNY-08")
async def test_show_shows_the_customer_with_a_note_when_the_orders_service_refuses_the_store_credit(
    system: System,
) -> None:
    customer_id = await registered(system, unique())
    shop = csr_env(system, "shop-terminal", Role.CHANNEL)  # a channel may read a customer, not their credit

    as_json = await csr_json("customer", "show", customer_id, env=shop)
    shown = words((await csr_ok("customer", "show", customer_id, env=shop)).stdout)

    assert as_json["customer_id"] == customer_id and as_json["store_credit"]["balances"] is None
    assert as_json["store_credit"]["unavailable"] == "forbidden"
    assert "Customer Carla" in shown and "store credit not available: the orders service refused" in shown


@pytest.mark.capability("CUS-03", "CUS-16")
async def test_find_exact_takes_the_whole_logon_id_or_e_mail_ignoring_case(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)
    junior = await registered(
        system, f"{tag}j", **{"--logon-id": f"cli.{tag}.jr", "--email": f"jr.carla.{tag}@example.com"}
    )

    partial = await csr_json("customer", "find", "--logon-id", f"cli.{tag}", env=env)
    by_logon = await csr_json("customer", "find", "--exact", "--logon-id", f"CLI.{tag.upper()}", env=env)
    by_email = await csr_json("customer", "find", "--exact", "--email", f"Carla.{tag}@EXAMPLE.com", env=env)
    alone = await csr_fails("customer", "find", "--exact", "--last-name", "terminal", env=env, code=2)

    assert {c["customer_id"] for c in partial["customers"]} == {customer_id, junior}
    assert [c["customer_id"] for c in by_logon["customers"]] == [customer_id]
    assert [c["customer_id"] for c in by_email["customers"]] == [customer_id]
    assert "--exact applies to --logon-id and --email" in alone.stderr


@pytest.mark.capability("CUS-05")
async def test_update_records_who_changed_what_and_a_stale_version_is_refused(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)
    new_email = f"carla.new.{tag}@example.com"

    await csr_ok("customer", "update", customer_id, "--email", new_email, "--attribute", "tier=gold",
                 "--reason", "moved house", env=env)  # fmt: skip
    stale = await csr_fails("customer", "update", customer_id, "--phone", "+1 555 777 0000",
                            "--expected-version", "1", env=env, code=1)  # fmt: skip
    changes = await csr_ok("customer", "changes", customer_id, env=env)
    after = await csr_json("customer", "show", customer_id, env=env)

    assert after["email"] == new_email and after["attributes"] == {"tier": "gold"} and after["version"] == 2
    assert after["phone"] == "+1 555 010 4242"  # the stale change changed nothing
    assert "rejected stale_version" in stale.stderr
    assert "look at it again and repeat the command" in stale.stderr
    table = words(changes.stdout)
    assert "csr-terminal email" in table
    assert f"carla.{tag}@example.com {new_email} moved house" in table


@pytest.mark.capability("CUS-06")
async def test_the_address_book_add_modify_delete_with_default_marks(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)

    added = await csr_json("customer", "address", "add", customer_id, "--street", "5 Lake Lane", "--city", "Chicago",
                           "--region", "IL", "--postal-code", "60601", "--country", "US", "--nickname", "office",
                           "--default-shipping", env=env)  # fmt: skip
    office = added["address_id"]
    marked = words((await csr_ok("customer", "show", customer_id, env=env)).stdout)
    await csr_ok("customer", "address", "modify", customer_id, office, "--city", "Evanston", "--postal-code", "60201",
                 env=env)  # fmt: skip
    moved = await csr_json("customer", "show", customer_id, env=env)
    await csr_ok("customer", "address", "delete", customer_id, office, env=env)
    unknown = await csr_fails("customer", "address", "delete", customer_id, str(uuid.uuid4()), env=env, code=1)
    left = await csr_json("customer", "show", customer_id, env=env)

    assert f"office: 5 Lake Lane, Chicago IL 60601, US ✓ default {office}" in marked  # shipping only
    assert "12 Harbour Road, Springfield IL 62701, US ✓ default" in marked  # still the billing default
    entry = next(e for e in moved["addresses"] if e["address_id"] == office)
    assert (entry["address"]["line1"], entry["address"]["city"], entry["address"]["postal_code"]) == (
        "5 Lake Lane", "Evanston", "60201",
    )  # fmt: skip
    assert "rejected not_found" in unknown.stderr
    assert [e["address"]["city"] for e in left["addresses"]] == ["Springfield"]


@pytest.mark.capability("CUS-09", "CUS-10")
async def test_a_note_appears_in_the_contact_history_and_an_unknown_code_is_refused(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)

    codes = await csr_json("customer", "codes", env=env)
    await csr_ok("customer", "note", customer_id, "--activity", "call_in", "--result", "follow_up",
                 "--subject", f"Asked about tents {tag}", "--description", "Call back Friday", "--regarding", "1000017",
                 "--at", "-2h", env=env)  # fmt: skip
    refused = await csr_fails("customer", "note", customer_id, "--activity", "carrier_pigeon", "--subject", "x",
                              env=env, code=1)  # fmt: skip
    history = await csr_ok("customer", "contact-history", customer_id, "--kind", "note", env=env)

    assert "call_in" in codes["activity_codes"] and "follow_up" in codes["result_codes"]
    table = words(history.stdout)
    assert f"note Asked about tents {tag} call_in / follow_up csr-terminal 1000017 Call back Friday" in table
    assert "rejected unknown_activity_code" in refused.stderr
    notes = await system.fetch("customers", "SELECT subject, contact_at FROM notes WHERE customer_id = $1",
                               uuid.UUID(customer_id))  # fmt: skip
    assert [n["subject"] for n in notes] == [f"Asked about tents {tag}"]
    hours_ago = (datetime.now(UTC) - notes[0]["contact_at"]).total_seconds() / 3600
    assert 1.9 < hours_ago < 2.5


@pytest.mark.capability("CUS-07", "CUS-08")
async def test_reset_password_mails_the_customer_and_enable_lifts_a_lock_out(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)

    not_locked = await csr_fails("customer", "enable", customer_id, env=env, code=1)
    async with system.client("web-shop", Role.CHANNEL) as channel:
        for _ in range(5):
            await channel.send(ReportFailedLogonV1(logon_id=f"cli.{tag}"))
    locked = await csr_json("customer", "show", customer_id, env=env)
    shown_locked = words((await csr_ok("customer", "show", customer_id, env=env)).stdout)
    await csr_ok("customer", "enable", customer_id, "--reason", "verified by phone", env=env)
    reset = await csr_ok("customer", "reset-password", customer_id, env=env)

    assert "rejected invalid_state" in not_locked.stderr and "not locked out" in not_locked.stderr
    assert locked["status"] == "locked"
    assert "status locked" in shown_locked and "failed logons 5" in shown_locked
    assert (await csr_json("customer", "show", customer_id, env=env))["status"] == "enabled"
    assert "Temporary password e-mailed" in reset.stdout and "expires at" in words(reset.stdout)
    await system.mailbox().wait_for_async(lambda m: f"carla.{tag}@example.com" in m.rcpt_tos and
                                          "password" in (m.subject or "").lower(), timeout=60)  # fmt: skip


@pytest.mark.capability("CUS-11", "CUS-14", "ORD-09")
async def test_history_shows_the_orders_and_assets_the_fulfilled_items(system: System, csr: OmsClient) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)
    empty = await csr_ok("customer", "assets", customer_id, env=env)
    order_id = uuid.uuid4()
    fulfilled = TrackableItemsFulfilledV1(
        order_id=order_id,
        order_number="9000017",
        customer_id=uuid.UUID(customer_id),
        items=[FulfilledItem(sku="TENT-2P", name="Ridge 2P tent", quantity=1, serial_numbers=[f"SN-{tag}"])],
        fulfilled_at=datetime.now(UTC),
    )
    await publish_event(csr, fulfilled)  # what fulfilment reports; order servicing will send it
    placed = await csr_json("send", "PlaceOrderV1", "--set", f"customer_id={customer_id}", "--set", "currency=USD",
                            "--set", "lines.0.sku=SIM-1", "--set", "lines.0.quantity=1", "--set",
                            "lines.0.unit_price=5", env=env)  # fmt: skip

    async def listed() -> tuple[str, str]:
        assets = (await csr_ok("customer", "assets", customer_id, env=env)).stdout
        history = (await csr_ok("customer", "history", customer_id, env=env)).stdout
        assert f"SN-{tag}" in assets and placed["order_number"] in history
        return assets, history

    assets, history = await eventually(listed, timeout=60)
    assert "No assets yet" in empty.stdout
    assert f"TENT-2P Ridge 2P tent 1 SN-{tag} 9000017" in words(assets)
    assert f"{placed['order_number']} placed 1 5.00 USD" in words(history)
    assert "No quotes." in history and "No returns." in history


@pytest.mark.capability("CUS-12")
async def test_a_tickler_is_created_listed_reassigned_closed_and_its_history_kept(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)
    reason = f"Call back about the tent {tag}"

    created = await csr_json("tickler", "create", "-c", customer_id, "--due", "+2d", "--reason", reason,
                             "--regarding", "1000017", env=env)  # fmt: skip
    tickler = created["tickler_id"]
    mine = await csr_ok("tickler", "list", "--mine", "-c", customer_id, env=env)
    await csr_ok("tickler", "reassign", tickler, "-c", customer_id, "--to", f"csr-bob-{tag[:4]}", "--due", "tomorrow",
                 env=env)  # fmt: skip
    bobs = await csr_json("tickler", "list", "--assigned-to", f"csr-bob-{tag[:4]}", env=env)
    await csr_ok("tickler", "close", tickler, "-c", customer_id, "--resolution", "Customer happy", env=env)
    history = await csr_ok("tickler", "history", "-c", customer_id, env=env)
    unknown = await csr_fails("tickler", "close", str(uuid.uuid4()), "-c", customer_id, "--resolution", "x", env=env,
                              code=1)  # fmt: skip
    malformed = await csr_fails("tickler", "create", "-c", customer_id, "--due", "someday", "--reason", "x", env=env,
                                code=2)  # fmt: skip

    assert f"Carla Terminal{tag[:4]} csr-terminal {reason} 1000017 open {tickler}" in words(mine.stdout)
    assert [t["tickler_id"] for t in bobs["ticklers"]] == [tickler]
    text = words(history.stdout)
    assert f"{reason} — closed" in text
    for action in ("created csr-terminal", "reassigned csr-terminal", "closed csr-terminal"):
        assert action in text
    assert "rejected not_found" in unknown.stderr
    assert "--due 'someday': write a date and time" in malformed.stderr


@pytest.mark.capability("CUS-13", "CUS-03")
async def test_an_account_is_created_found_and_its_members_found_by_it(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)

    account = await csr_json("account", "create", "--name", f"Trail Outfitters {tag}", "--email",
                             f"buyer.{tag}@example.com", env=env)  # fmt: skip
    found = await csr_ok("account", "find", f"outfitters {tag}", env=env)
    await csr_ok("customer", "update", customer_id, "--account", account["account_id"], env=env)
    members = await csr_json("customer", "find", "--account", account["account_number"], env=env)
    shown = words((await csr_ok("customer", "show", customer_id, env=env)).stdout)
    taken = await csr_fails("account", "create", "--name", "Other", "--number", account["account_number"], env=env,
                            code=1)  # fmt: skip

    assert f"{account['account_number']} Trail Outfitters {tag} buyer.{tag}@example.com" in words(found.stdout)
    assert [c["customer_id"] for c in members["customers"]] == [customer_id]
    # The account panel stands beside the status panel, so its rows interleave with the status's.
    assert f"number {account['account_number']}" in shown
    assert f"name Trail Outfitters {tag}" in shown
    assert "rejected conflict" in taken.stderr


@pytest.mark.capability("CUS-02")
async def test_a_guest_is_created_found_and_registered_keeping_its_id(system: System) -> None:
    tag = unique()
    env = csr_env(system)

    guest = await csr_json("customer", "guest", "--first-name", "Gus", "--last-name", f"Guest{tag}", "--email",
                           f"gus.{tag}@example.com", env=env)  # fmt: skip
    found = await csr_ok("customer", "find", "--last-name", f"guest{tag}", env=env)
    registered_guest = await csr_json("customer", "register", "--logon-id", f"gus.{tag}", "--first-name", "Gus",
                                      "--last-name", f"Guest{tag}", "--email", f"gus.{tag}@example.com",
                                      "--password", "Plain-Text-Pass-42", "--guest", guest["customer_id"], env=env)  # fmt: skip

    assert "enabled (guest)" in words(found.stdout)
    assert registered_guest["customer_id"] == guest["customer_id"]


@pytest.mark.capability("PLT-02", "CUS-04")
async def test_an_unknown_customer_is_not_found_and_a_name_that_is_no_customer_is_explained(system: System) -> None:
    env = csr_env(system)
    nobody = str(uuid.uuid4())

    unknown = await csr_fails("customer", "show", nobody, env=env, code=1)
    as_json = await csr_fails("--json", "customer", "history", nobody, env=env, code=1)
    malformed = await csr_fails("customer", "show", "not-an-id", env=env, code=2)
    update = await csr_fails("customer", "update", "42", "--email", "x@example.com", env=env, code=2)

    assert f"rejected not_found: no customer {nobody}" in unknown.stderr
    assert as_json.json()["code"] == "not_found"
    # Not a UUID: a logon id (or an e-mail) the customers service is asked for; none is a usage error.
    assert "CUSTOMER 'not-an-id': no customer has this logon id" in malformed.stderr
    # Too short for a logon id and no e-mail: said without asking the service.
    assert "CUSTOMER '42' is not a customer id, logon id or e-mail" in update.stderr
