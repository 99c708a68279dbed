"""The customer as the caller names them, and the call in progress, through ``csr`` against the
real system: a logon id in any case or an e-mail wherever a customer is asked; none or several
such customers refused as usage errors with nothing sent; ``csr call start`` making the commands
that follow act for the caller and the call's cart, shown on every answer, ended by ``csr call end``.

Each test uses a terminal (an agent) of its own: the call in progress belongs to the agent's
configuration directory, as it would on a CSR's desk."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from contracts.envelope import Role
from tests.support.builders import unique
from tests.support.csr_cli import SPRINGFIELD, VISA, csr_env, csr_fails, csr_json, csr_ok, registered, words
from tests.support.orders import add_product
from tests.support.system import System


def _call_file(env: dict[str, str]) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "csr-oms" / "call.json"


@pytest.mark.capability("CUS-15", "CUS-03", "CUS-04")
async def test_a_customer_is_found_by_logon_id_in_any_case_or_by_e_mail(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    customer_id = await registered(system, tag)
    # Another customer whose logon id contains this one's: found by the search, not the same value.
    await registered(system, f"{tag}x", **{"--logon-id": f"cli.{tag}.junior", "--email": f"junior.{tag}@example.com"})

    by_id = await csr_json("customer", "show", customer_id, env=env)
    by_logon = await csr_json("customer", "show", f"CLI.{tag.upper()}", env=env)
    by_email = await csr_json("customer", "show", f"Carla.{tag}@Example.com", env=env)
    history = await csr_json("customer", "history", f"cli.{tag}", env=env)
    note = await csr_ok("customer", "note", f"carla.{tag}@example.com", "--subject", "called about a tent", env=env)
    contacts = await csr_json("customer", "contact-history", customer_id, "--kind", "note", env=env)

    assert by_logon == by_id and by_email == by_id and by_id["customer_id"] == customer_id
    assert history["customer_id"] == customer_id
    assert "Note recorded" in note.stdout
    assert [e["subject"] for e in contacts["entries"]] == ["called about a tent"]


@pytest.mark.capability("CUS-15", "PLT-02")
async def test_an_unknown_or_ambiguous_customer_is_a_usage_error_and_nothing_is_sent(system: System) -> None:
    tag = unique()
    env = csr_env(system)
    shared = f"family.{tag}@example.com"
    first = await registered(system, tag, **{"--email": shared})
    second = await registered(system, f"{tag}b", **{"--email": shared})

    unknown = await csr_fails("--json", "customer", "show", f"nobody.{tag}", env=env, code=2)
    unknown_words = await csr_fails("customer", "show", f"nobody.{tag}", env=env, code=2)
    ambiguous = await csr_fails("--json", "customer", "note", shared, "--subject", "which one?", env=env, code=2)
    notes = [await csr_json("customer", "contact-history", c, "--kind", "note", env=env) for c in (first, second)]

    assert unknown.json()["error"] == "unknown_customer"
    assert f"nobody.{tag}" in unknown.json()["message"] and "logon id" in unknown.json()["message"]
    assert "error: CUSTOMER" in unknown_words.stderr and "no customer has this logon id" in unknown_words.stderr
    answer = ambiguous.json()
    assert answer["error"] == "ambiguous_customer" and "give the customer id" in answer["message"]
    assert sorted(c["customer_id"] for c in answer["candidates"]) == sorted([first, second])
    assert all(n["entries"] == [] for n in notes)  # the note went to neither


@pytest.mark.capability("SRV-13", "CUS-15", "ORD-02")
async def test_a_call_makes_the_commands_that_follow_act_for_the_caller_and_the_cart(system: System) -> None:
    tag = unique()
    env = csr_env(system, agent=f"csr-call-{tag[:8]}")
    customer_id = await registered(system, tag)

    started = await csr_ok("call", "start", f"carla.{tag}@example.com", env=env)
    mode = stat.S_IMODE(_call_file(env).stat().st_mode)
    shown = await csr_ok("customer", "show", env=env)
    cart = await csr_json("cart", "create", "--label", "tent for the weekend", env=env)
    call = (await csr_json("call", "show", env=env))["call"]
    cart_shown = await csr_ok("cart", "show", env=env)
    ended = await csr_ok("call", "end", env=env)
    after = await csr_fails("--json", "customer", "show", env=env, code=2)

    assert f"Call started: call with Carla Terminal{tag[:4]} (cli.{tag}), customer {customer_id}" in words(
        started.stdout
    )
    assert mode == 0o600
    assert f"☎ call with Carla Terminal{tag[:4]} (cli.{tag})" in words(shown.stderr)  # whom the CSR acts for
    assert f"cli.{tag}" in shown.stdout and customer_id in shown.stdout
    assert cart["customer_id"] == customer_id  # the caller's cart, no --customer typed
    assert call["customer_id"] == customer_id and call["order"] == cart["order_id"]
    assert cart["order_id"] in cart_shown.stdout and f"order {cart['order_id']}" in words(cart_shown.stderr)
    assert "Call ended" in ended.stdout and not _call_file(env).exists()
    assert "start a call" in after.json()["message"]


@pytest.mark.capability("SRV-13")
async def test_a_call_about_another_customers_order_is_refused(system: System) -> None:
    tag = unique()
    env = csr_env(system, agent=f"csr-call-{tag[:8]}")
    await registered(system, tag)
    other = await registered(system, f"{tag}o")
    cart = await csr_json("cart", "create", "--customer", other, env=env)

    refused = await csr_fails("--json", "call", "start", f"cli.{tag}", "--order", cart["order_id"], env=env, code=2)

    assert "not this customer's" in refused.json()["message"]
    assert not _call_file(env).exists()


@pytest.mark.capability("SRV-13", "ORD-09", "ORD-13")
async def test_an_order_placed_for_the_caller_becomes_the_calls_order(system: System) -> None:
    tag = unique()
    env = csr_env(system, agent=f"csr-call-{tag[:8]}")
    customer_id = await registered(system, tag)
    async with system.client("catalog-feed", Role.SYSTEM) as feed:
        sku = await add_product(feed, sku=f"CALL-TENT-{tag}".upper(), usd="249.00")

    await csr_ok("call", "start", f"cli.{tag}", env=env)
    placed = await csr_json("order", "place", "--line", sku, *SPRINGFIELD, "--expiry", "12/30", "--card-number", "-",
                            env=env, input=VISA)  # fmt: skip
    call = (await csr_json("call", "show", env=env))["call"]
    shown = await csr_json("order", "show", env=env)
    await csr_ok("call", "end", env=env)

    assert call["order"] == placed["order_number"]
    assert shown["order"]["order_number"] == placed["order_number"]
    assert shown["order"]["customer_id"] == customer_id
