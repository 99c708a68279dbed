"""The ``csr`` command line as a CSR (or a script) uses it: the installed entry point in a
subprocess against the real system, configured by environment variables only."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from contracts.envelope import Role
from contracts.orders import PlaceOrderV1
from csr.client import OmsClient
from csr.client.auth import IdentityProvider, LoginRefused
from devstack.acls import grant_for_run, revoke_for_run
from tests.support.builders import unique
from tests.support.csr_cli import CSR, csr_env, csr_fails, csr_json, register_args, run_csr
from tests.support.identity import confirm_device_code
from tests.support.orders import add_product
from tests.support.secrets import record_token_file, record_tokens
from tests.support.system import System, first_event

PLAIN_PASSWORD = "Plain-Text-Pass-42"


async def _register(system: System, tag: str) -> str:
    done = await run_csr("--json", "customer", "register", *register_args(tag), env=csr_env(system))
    assert done.code == 0, done
    return str(done.json()["customer_id"])


@pytest.mark.capability("CUS-01", "PLT-02")
async def test_customer_register_seals_the_password_and_answers_with_the_customer_id(system: System) -> None:
    tag = unique()

    done = await run_csr("customer", "register", *register_args(tag), "--json", env=csr_env(system))

    assert done.code == 0, done
    customer_id = uuid.UUID(done.json()["customer_id"])
    rows = await system.fetch(
        "customers", "SELECT logon_id, password_hash FROM customers WHERE customer_id = $1", customer_id
    )
    assert rows[0]["logon_id"] == f"cli.{tag}"
    assert rows[0]["password_hash"].startswith("$argon2id$")
    # On the command topic the password is ciphertext only.
    sent = await first_event(system, "customers.commands", lambda e: e.payload.get("logon_id") == f"cli.{tag}")
    assert sent.payload["password"].startswith("sealed:v2:")
    assert PLAIN_PASSWORD not in json.dumps(sent.model_dump(mode="json"))
    assert sent.actor is None  # who sent it is for the login's token to say, not for the client
    registered = await first_event(
        system, "customers.events", lambda e: e.type == "CustomerRegistered" and e.payload["logon_id"] == f"cli.{tag}"
    )
    assert registered.actor is not None
    assert (registered.actor.agent_id, registered.actor.role) == ("csr-terminal", "csr")  # from the token


@pytest.mark.capability("PLT-01", "PLT-02", "CUS-01", "ORD-09")
async def test_send_reaches_any_command_from_its_contract_alone(system: System, tmp_path) -> None:
    tag = unique()
    env = csr_env(system)

    registered = await run_csr(
        "send", "RegisterCustomer",
        "--set", f"logon_id=generic.{tag}", "--set", f"password={PLAIN_PASSWORD}",
        "--set", "first_name=Gene", "--set", "last_name=Rick", "--set", f"email=gene.{tag}@example.com",
        "--set", "address.line1=1 Main St", "--set", "address.city=Springfield",
        "--set", "address.postal_code=62701", "--set", "address.country=US",
        env=env,
    )  # fmt: skip
    assert registered.code == 0, registered
    assert "customer id" in registered.stdout
    customer_id = (
        await system.fetch("customers", "SELECT customer_id FROM customers WHERE logon_id = $1", f"generic.{tag}")
    )[0][0]
    assert str(customer_id) in registered.stdout

    payload = tmp_path / "order.json"
    payload.write_text(json.dumps({"customer_id": str(customer_id), "currency": "EUR"}))
    placed = await run_csr(
        "--json", "send", "PlaceOrderV1", "--payload", f"@{payload}",
        "--set", 'lines:=[{"sku": "MODEM-1", "quantity": 2, "unit_price": "19.99"}]',
        "--set", "lines.1.sku=CABLE-5M", "--set", "lines.1.quantity=1", "--set", "lines.1.unit_price=4.50",
        env=env,
    )  # fmt: skip

    assert placed.code == 0, placed
    order_number = placed.json()["order_number"]
    event = await first_event(system, "orders.events", lambda e: e.payload.get("order_number") == order_number)
    assert event.type == "OrderPlaced"
    assert [(line["sku"], line["quantity"]) for line in event.payload["lines"]] == [("MODEM-1", 2), ("CABLE-5M", 1)]
    assert Decimal(event.payload["total"]) == Decimal("44.48") and event.payload["currency"] == "EUR"


@pytest.mark.capability("ORD-09", "NTF-01")
async def test_order_place_reads_out_the_order_number_and_the_mailbox_shows_the_confirmation(system: System) -> None:
    tag = unique()
    customer_id = await _register(system, tag)
    email = f"carla.{tag}@example.com"
    async with system.client("catalog-feed", Role.SYSTEM) as feed:
        router = await add_product(feed, sku=f"ROUTER-{tag}".upper(), usd="129.00")
        fibre = await add_product(feed, sku=f"FIBRE-{tag}".upper(), usd="59.99")

    placed = await run_csr(
        "order", "place", "--customer", customer_id, "--line", f"{router}:1", "--line", fibre,
        "--street", "1 Main St", "--city", "Springfield", "--region", "IL", "--postal-code", "62701",
        "--country", "US", "--expiry", "12/30", "--card-number", "-", "--email", email, env=csr_env(system),
        input="4111 1111 1111 1111\n",
    )  # fmt: skip

    assert placed.code == 0, placed
    event = await first_event(system, "orders.events", lambda e: e.payload.get("customer_id") == customer_id)
    order_number = event.payload["order_number"]
    assert f"read the number {order_number} to the customer" in placed.stdout
    await system.mailbox().wait_for_async(
        lambda m: email in m.rcpt_tos and order_number in (m.subject or ""), timeout=60
    )
    listed = await run_csr("mailbox", "--to", email, "--json", env=csr_env(system))
    assert listed.code == 0, listed
    confirmation = next(m for m in listed.json() if order_number in m["subject"])
    assert email in await asyncio.to_thread(Path(confirmation["file"]).read_text)


@pytest.mark.capability("PLT-02", "CUS-01")
async def test_a_rejection_shows_its_code_and_field_and_exits_1(system: System) -> None:
    tag = unique()
    await _register(system, tag)

    again = await run_csr(
        "customer", "register", *register_args(tag, **{"--logon-id": f"CLI.{tag}"}), env=csr_env(system)
    )
    as_json = await run_csr("--json", "customer", "register", *register_args(tag), env=csr_env(system))

    assert again.code == 1, again
    assert "rejected conflict" in again.stderr and "payload.logon_id" in again.stderr
    assert "Traceback" not in again.stderr
    assert as_json.code == 1, as_json
    assert as_json.json()["status"] == "rejected" and as_json.json()["code"] == "conflict"
    rows = await system.fetch("customers", "SELECT 1 FROM customers WHERE lower(logon_id) = $1", f"cli.{tag}")
    assert len(rows) == 1


@pytest.mark.capability("PLT-06")
async def test_a_role_the_command_does_not_allow_is_refused_by_the_service(system: System) -> None:
    tag = unique()

    system_user = csr_env(system, agent="cli-system", role=Role.SYSTEM)  # logged in with the role system

    refused = await run_csr("customer", "register", *register_args(tag), env=system_user)

    assert refused.code == 1, refused
    assert "forbidden" in refused.stderr
    assert not await system.fetch("customers", "SELECT 1 FROM customers WHERE logon_id = $1", f"cli.{tag}")


@pytest.mark.capability("PLT-02")
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["send", "RegisterCustomr"], "did you mean RegisterCustomer"),
        (["send", "OrderPlaced"], "only commands and queries can be sent"),
        (
            ["send", "PlaceOrder", "--set", "customer_id=42", "--set", "currency=USD"],
            "customer_id: Input should be a valid UUID",
        ),
        (
            ["send", "PlaceOrder", "--set", "currency=XXZ"],
            "currency: must be an ISO 4217 currency code such as USD or EUR",
        ),
        (["send", "PlaceOrder", "--set", "colour=red"], "colour: unknown field"),
        (["send", "PlaceOrder", "--set", "lines:=[oops"], "not valid JSON"),
        (["send", "PlaceOrder", "--payload", "@/nonexistent/order.json"], "cannot read /nonexistent/order.json"),
        (["order", "place", "--customer", "x", "--line", "TENT:1:9.99"], "write SKU[:QUANTITY]"),
        (
            ["customer", "register", *register_args("x", **{"--email": "not-an-email"})],
            "email: value is not a valid email",
        ),
        (["customer", "register", *register_args("x", **{"--password": ""})], "--password is required"),
        (["--role", "supervisor", "send", "PlaceOrder"], "No such option: --role"),  # who acts is the login
        (["send", "PlaceOrder", "--message-id", "abc"], "--message-id 'abc' is not a UUID"),
    ],
)
async def test_malformed_input_is_explained_before_anything_is_sent(
    system: System, args: list[str], expected: str
) -> None:
    # Kafka unreachable on purpose: a usage error must be found before the client connects.
    done = await run_csr(*args, env=csr_env(system, OMS_KAFKA_BOOTSTRAP="127.0.0.1:1"))

    assert done.code == 2, done
    assert expected in done.stderr, done
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.capability("PLT-02")
async def test_an_unreachable_broker_exits_3_quickly_without_a_traceback(system: System) -> None:
    started = time.monotonic()

    done = await run_csr(
        "customer", "register", *register_args(unique()), env=csr_env(system, OMS_KAFKA_BOOTSTRAP="127.0.0.1:1")
    )

    assert done.code == 3, done
    assert "cannot reach Kafka at 127.0.0.1:1" in done.stderr
    assert "Traceback" not in done.stderr and "Unable connect" not in done.stderr
    assert time.monotonic() - started < 30


@pytest.mark.capability("PLT-02", "PLT-03")
async def test_no_reply_exits_3_after_resending_the_same_message(system: System) -> None:
    nobody = f"nobody{uuid.uuid4().hex[:8]}."
    env = csr_env(system, OMS_TOPIC_PREFIX=nobody)
    # The topic exists (Kafka creates none by itself) and the terminal may write it; nobody reads it.
    await asyncio.to_thread(grant_for_run, system.stack, nobody)
    admin = AIOKafkaAdminClient(**system.stack.kafka_admin_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(nobody + "customers.commands", 1, 1)])
    finally:
        await admin.close()

    try:
        done = await run_csr(
            "--timeout", "4", "--attempts", "2", "customer", "register", *register_args(unique()), env=env
        )
    finally:
        await asyncio.to_thread(revoke_for_run, system.stack, nobody)

    assert done.code == 3, done
    assert f"no reply to RegisterCustomer on {nobody}customers.commands (sent 2 times over 4s)" in done.stderr
    message_id = done.stderr.split("--message-id ")[1].split()[0]
    # Both sends carried the same message id: a service would have applied the command once.
    client = OmsClient(system.stack.kafka_bootstrap, topic_prefix=nobody, kafka_options=system.stack.kafka_admin_auth())
    async with client.events("customers.commands", from_beginning=True) as stream:
        sent = [r.envelope.message_id async for r in stream.existing()]
    assert sent == [uuid.UUID(message_id)] * 2


@pytest.mark.capability("PLT-01")
async def test_events_shows_what_happened_and_follows_what_happens(system: System, csr: OmsClient) -> None:
    customer_id = await _register(system, unique())
    env = csr_env(system)

    history = await run_csr("events", "--topic", "customers.events", "--about", customer_id, "--json", env=env)

    assert history.code == 0, history
    [registered] = [json.loads(line) for line in history.stdout.splitlines()]
    assert registered["type"] == "CustomerRegistered" and registered["payload"]["customer_id"] == customer_id

    follower = await asyncio.create_subprocess_exec(
        str(CSR), "events", "-t", "orders.events", "--follow", "--type", "OrderPlaced", "--about", customer_id,
        "--limit", "1", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert follower.stderr is not None
    ready = await asyncio.wait_for(follower.stderr.readline(), 60)
    assert b"following" in ready
    order = PlaceOrderV1(
        customer_id=customer_id, currency="USD", lines=[{"sku": "SIM-1", "quantity": 1, "unit_price": "5"}]
    )
    number = (await csr.send(order))["order_number"]
    out, _ = await asyncio.wait_for(follower.communicate(), 60)

    assert follower.returncode == 0
    assert "OrderPlaced v1" in out.decode() and f"order_number={number}" in out.decode()


@pytest.mark.capability("PLT-01")
async def test_messages_lists_every_command_with_roles_and_sealed_fields(system: System) -> None:
    listed = await run_csr("messages", "--json", env=csr_env(system))

    assert listed.code == 0, listed
    by_type = {m["type"]: m for m in listed.json()}
    register = by_type["RegisterCustomer"]
    assert register["topic"] == "customers.commands" and "csr" in register["roles"]
    assert {f["name"] for f in register["fields"] if f["sealed"]} == {"password", "challenge_answer"}
    assert "OrderPlaced" not in by_type  # events are listed only with --events


@pytest.mark.capability("PLT-03")
async def test_a_command_can_be_retried_with_its_message_id_and_applies_once(system: System, csr: OmsClient) -> None:
    tag = unique()
    message_id = str(uuid.uuid4())
    env = csr_env(system)

    first = await run_csr("--json", "customer", "register", *register_args(tag), "--message-id", message_id, env=env)
    again = await run_csr("--json", "customer", "register", *register_args(tag), "--message-id", message_id, env=env)

    assert first.code == 0 and again.code == 0, (first, again)
    assert first.json() == again.json()
    rows = await system.fetch("customers", "SELECT 1 FROM customers WHERE logon_id = $1", f"cli.{tag}")
    assert len(rows) == 1


@pytest.mark.capability("PLT-09")
async def test_the_saved_login_is_renewed_shown_and_ended_at_the_identity_provider(system: System) -> None:
    agent = f"cli-login-{unique()[:8]}"  # used by this test alone: it logs out
    env = csr_env(system, agent=agent, role=Role.SUPERVISOR)  # `csr login --password` as that user
    saved = Path(env["XDG_CONFIG_HOME"]) / "csr-oms" / "login.json"
    me = await csr_json("whoami", env=env)
    # An access token about to expire is renewed with the refresh token before the command goes out.
    document = json.loads(saved.read_text())
    first = document["tokens"]
    record_tokens(first["access_token"], first["refresh_token"])
    document["tokens"]["expires_at"] = time.time() - 1
    saved.write_text(json.dumps(document))

    modes = await csr_json("catalog", "shipping-modes", env=env)
    renewed = json.loads(saved.read_text())["tokens"]
    mode = saved.stat().st_mode & 0o777
    logged_out = await csr_json("logout", env=env)
    after = await csr_fails("--json", "whoami", env=env, code=2)
    refused = await csr_fails("--json", "catalog", "shipping-modes", env=env, code=2)

    assert (me["agent_id"], me["role"], me["issuer"]) == (agent, "supervisor", system.identities.issuer)
    assert modes and renewed["access_token"] != first["access_token"] and mode == 0o600
    assert logged_out == {"status": "logged_out", "session_ended": True, "login_removed": True}
    assert not saved.exists()
    assert after.json()["error"] == "not_logged_in" and refused.json()["message"] == "not logged in: run csr login"
    # The session ended at the provider: its refresh token no longer buys a token.
    with pytest.raises(LoginRefused):
        await IdentityProvider(system.identities.issuer).grant(
            {"client_id": "csr-cli", "grant_type": "refresh_token", "refresh_token": renewed["refresh_token"]}
        )


@pytest.mark.capability("PLT-09")
async def test_a_disabled_user_or_a_wrong_password_cannot_log_in(system: System, tmp_path: Path) -> None:
    env = {**csr_env(system), "XDG_CONFIG_HOME": str(tmp_path)}

    disabled = await csr_fails("--json", "login", "--password", "-u", "dora", env={**env, "OMS_PASSWORD": "dora-dev"},
                               code=1)  # fmt: skip
    wrong = await csr_fails("login", "--password", "-u", "alice", env={**env, "OMS_PASSWORD": "Not-Her-Pass-7"}, code=1)

    assert disabled.json()["error"] == "login_refused" and "disabled" in disabled.json()["message"].lower()
    assert "invalid_grant" in wrong.stderr and "Not-Her-Pass-7" not in wrong.stdout + wrong.stderr
    assert not (tmp_path / "csr-oms" / "login.json").exists()


@pytest.mark.capability("PLT-09")
async def test_csr_login_by_default_is_confirmed_in_the_browser(system: System, tmp_path: Path) -> None:
    agent = f"cli-device-{unique()[:8]}"
    password = system.identities.password(agent, Role.CSR)
    env = {**csr_env(system), "XDG_CONFIG_HOME": str(tmp_path)}
    login = await asyncio.create_subprocess_exec(
        str(CSR), "login", env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert login.stderr is not None and login.stdout is not None
    try:
        shown = (await asyncio.wait_for(login.stderr.readline(), 60)).decode()
        url = shown.split("Open ", 1)[1].split()[0]

        await confirm_device_code(url, agent, password)
        said = (await asyncio.wait_for(login.stdout.read(), 60)).decode()
    finally:
        if login.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                login.kill()
        await login.wait()
    saved = tmp_path / "csr-oms" / "login.json"
    record_token_file(saved)

    assert login.returncode == 0 and f"logged in as {agent} (csr)" in said
    assert "confirm the code" in shown and (saved.stat().st_mode & 0o777) == 0o600
    assert (await csr_json("whoami", env=env))["agent_id"] == agent
    assert password not in said + shown
