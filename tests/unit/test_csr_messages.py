"""Turning what a person types into a contract message: finding it, reading --set and
--payload, sealing secrets, explaining what is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from contracts.customers import RegisterCustomerV1
from contracts.orders import PlaceOrderV1
from contracts.sealing import SealedSecret, generate_private_key, open_sealed, public_key_of, seal
from csr.client.errors import InvalidInput, UnknownMessageType, UsageError
from csr.client.messages import apply_sets, build, catalog, describe, load_payload, resolve, seal_secrets, sealed_paths

PRIVATE = generate_private_key()
PUBLIC = public_key_of(PRIVATE)


def sealer(secret: str) -> str:
    return seal(secret, PUBLIC)


@pytest.mark.parametrize("name", ["RegisterCustomer", "registercustomer", "RegisterCustomerV1", "registercustomerv1"])
def test_a_message_is_found_by_its_type_in_any_case_with_or_without_version(name: str) -> None:
    assert resolve(name) is RegisterCustomerV1


def test_an_unknown_name_suggests_the_closest_ones() -> None:
    with pytest.raises(UnknownMessageType) as raised:
        resolve("RegistrCustomer")
    assert raised.value.suggestions[0] == "RegisterCustomer"  # the closest first
    with pytest.raises(UsageError, match="only commands and queries can be sent"):
        resolve("OrderPlaced")
    with pytest.raises(UsageError, match=r"has no version 7 \(versions: 1, 2\)"):
        resolve("PlaceOrder", 7)


def test_sets_build_nested_objects_and_lists_and_json_values() -> None:
    fields = apply_sets(
        {"currency": "EUR"},
        ["address.city=Springfield", "lines.0.sku=A", "lines.0.quantity:=2", "lines.1.sku=B", "note=a=b", "x:=null"],
    )
    assert fields == {
        "currency": "EUR",
        "address": {"city": "Springfield"},
        "lines": [{"sku": "A", "quantity": 2}, {"sku": "B"}],
        "note": "a=b",
        "x": None,
    }


@pytest.mark.parametrize(
    ("assignment", "problem"),
    [
        ("currency", "write field=value"),
        ("lines:=[1,", "not valid JSON"),
        ("lines.2.sku=A", "index 2 skips items"),
        (".x=1", "the field name is empty"),
    ],
)
def test_malformed_sets_are_explained(assignment: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        apply_sets({}, [assignment])


def test_a_payload_is_inline_json_or_a_file(tmp_path) -> None:
    file = tmp_path / "p.json"
    file.write_text('{"currency": "USD"}')
    assert load_payload('{"a": 1}') == {"a": 1}
    assert load_payload(f"@{file}") == {"currency": "USD"}
    with pytest.raises(UsageError, match="must be a JSON object"):
        load_payload("[1]")
    with pytest.raises(UsageError, match="not valid JSON"):
        load_payload("{")


class _Card(BaseModel):
    number: SealedSecret
    holder: str


class _Wallet(BaseModel):
    cards: list[_Card]
    pin: SealedSecret | None = None
    by_name: dict[str, _Card] = {}


def test_sealed_fields_are_found_at_any_depth() -> None:
    assert sealed_paths(RegisterCustomerV1) == {("password",), ("challenge_answer",)}
    assert sealed_paths(_Wallet) == {("cards", "*", "number"), ("pin",), ("by_name", "*", "number")}
    assert sealed_paths(PlaceOrderV1) == set()


def test_plain_secrets_are_sealed_and_sealed_ones_kept() -> None:
    already = sealer("1234")
    fields: dict[str, Any] = {
        "cards": [{"number": "4111111111111111", "holder": "A"}],
        "pin": already,
        "by_name": {"x": {"number": "5"}},
    }

    sealed = seal_secrets(_Wallet, fields, sealer)

    assert open_sealed(sealed["cards"][0]["number"], PRIVATE) == "4111111111111111"
    assert sealed["pin"] == already
    assert open_sealed(sealed["by_name"]["x"]["number"], PRIVATE) == "5"
    assert sealed["cards"][0]["holder"] == "A" and fields["cards"][0]["number"] == "4111111111111111"


def test_build_validates_with_the_contract_and_never_echoes_a_secret() -> None:
    good = {"logon_id": "jdoe", "password": "S3cret!", "first_name": "J", "last_name": "D", "email": "j@example.com"}
    message = build(RegisterCustomerV1, good, sealer)
    assert isinstance(message, RegisterCustomerV1) and open_sealed(message.password, PRIVATE) == "S3cret!"

    with pytest.raises(InvalidInput) as raised:
        build(RegisterCustomerV1, {**good, "email": "nope", "colour": "red", "logon_id": None}, sealer)
    problems = dict(raised.value.field_errors)
    assert set(problems) == {"email", "colour", "logon_id"}
    assert problems["colour"].startswith("unknown field (fields: logon_id, password")
    assert "S3cret!" not in str(raised.value)


def test_a_secret_without_a_key_is_reported_as_needing_sealing() -> None:
    fields = {"logon_id": "jdoe", "password": "plain", "first_name": "J", "last_name": "D", "email": "j@example.com"}
    with pytest.raises(InvalidInput) as raised:
        build(RegisterCustomerV1, fields)
    assert dict(raised.value.field_errors)["password"].startswith("must be sealed")


def test_the_catalog_describes_every_command_and_query() -> None:
    specs = {s.type: s for s in catalog()}
    assert {"RegisterCustomer", "PlaceOrder"} <= set(specs)
    assert all(s.kind in ("command", "query") for s in specs.values())
    order = describe(PlaceOrderV1)
    fields = {f.name: f for f in order.fields}
    assert fields["lines"].type == "list[PlacedLine]" and fields["lines"].required
    assert fields["customer_id"].type == "uuid"
    assert {f.name: f.type for f in order.parts["PlacedLine"]}["unit_price"] == "decimal"
    assert [f.name for f in order.result] == ["order_id", "order_number", "version"]
    json.dumps(order.as_json())  # everything in it is JSON
