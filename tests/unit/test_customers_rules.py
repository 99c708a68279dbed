"""Pure rules of the address book, ticklers, assets and the find query builder."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contracts import errors
from contracts.common import Address
from contracts.customers import FindCustomersV1
from contracts.envelope import Actor, Role
from contracts.orders import FulfilledItem, TrackableItemsFulfilledV1
from services.customers.adapters.postgres import search
from services.customers.domain import address_book as addressbook
from services.customers.domain import history, ticklers
from services.customers.domain import search as search_rules
from services.runtime.handling import Rejected

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOME = Address(line1="1 Main St", city="Springfield", postal_code="62701", country="US")
WORK = Address(line1="9 Office Rd", city="Springfield", postal_code="62702", country="US")
A, B = uuid.UUID(int=1), uuid.UUID(int=2)


def test_the_first_address_becomes_both_defaults_and_a_later_one_can_take_one_of_them() -> None:
    first = addressbook.add([], A, HOME, billing=False, shipping=False)
    second = addressbook.add(first.book, B, WORK, billing=False, shipping=True)

    assert (first.default_billing, first.default_shipping) == (A, A)
    assert (second.default_billing, second.default_shipping) == (A, B)
    assert [(e.default_billing, e.default_shipping) for e in second.book] == [(True, False), (False, True)]


def test_modify_moves_a_default_and_false_unsets_it() -> None:
    book = addressbook.add(addressbook.add([], A, HOME, False, False).book, B, WORK, False, False).book

    moved = addressbook.modify(book, B, None, billing=True, shipping=None)
    unset = addressbook.modify(moved.book, B, None, billing=False, shipping=None)

    assert (moved.default_billing, moved.default_shipping) == (B, A)
    assert (unset.default_billing, unset.default_shipping) == (None, A)


def test_deleting_a_default_leaves_no_default_and_unknown_ids_are_not_found() -> None:
    book = addressbook.add(addressbook.add([], A, HOME, False, False).book, B, WORK, False, False).book

    deleted = addressbook.delete(book, A)
    with pytest.raises(Rejected) as missing:
        addressbook.delete(book, uuid.UUID(int=9))
    with pytest.raises(Rejected) as nothing:
        addressbook.modify(book, A, None, None, None)

    assert [e.address_id for e in deleted.book] == [B] and deleted.default_billing is None
    assert missing.value.code == errors.NOT_FOUND and nothing.value.code == errors.INVALID


def test_an_address_book_is_limited() -> None:
    book = [addressbook.Entry(uuid.uuid4(), HOME, False, False) for _ in range(addressbook.MAX_ADDRESSES)]

    with pytest.raises(Rejected) as full:
        addressbook.add(book, A, WORK, False, False)

    assert full.value.code == errors.LIMIT_EXCEEDED


def _tickler() -> ticklers.Tickler:
    return ticklers.Tickler(A, B, "open", NOW, "agent-1", "call back", "", None, "csr-1", NOW)


def test_a_tickler_is_reassigned_while_open_and_closed_once() -> None:
    actor = Actor(agent_id="csr-2", role=Role.CSR)
    moved, action = ticklers.reassign(_tickler(), "agent-2", NOW + timedelta(days=1), expected_version=1)
    closed, _ = ticklers.close(moved, "done", 2, NOW, actor)

    with pytest.raises(Rejected) as again:
        ticklers.close(closed, "again", None, NOW, actor)
    with pytest.raises(Rejected) as stale:
        ticklers.reassign(moved, "agent-3", None, expected_version=1)

    assert (moved.assigned_to, moved.version) == ("agent-2", 2)
    assert action.detail["assigned_to"] == "agent-1 -> agent-2" and "due_at" in action.detail
    assert (closed.status, closed.closed_by, closed.version) == ("closed", "csr-2", 3)
    assert again.value.code == errors.INVALID_STATE and stale.value.code == errors.STALE_VERSION


def test_each_serial_number_is_one_asset_and_replays_give_the_same_ids() -> None:
    event = TrackableItemsFulfilledV1(
        order_id=A,
        order_number="1000009",
        customer_id=B,
        items=[
            FulfilledItem(sku="PHONE", name="Phone", quantity=2, serial_numbers=["S1", "S2"]),
            FulfilledItem(sku="CASE", name="Case", quantity=3),
        ],
        fulfilled_at=NOW,
    )

    first, replay = history.assets(event), history.assets(event)

    assert [(a.sku, a.serial_number, a.quantity) for a in first] == [
        ("PHONE", "S1", 1),
        ("PHONE", "S2", 1),
        ("CASE", None, 3),
    ]
    assert [a.asset_id for a in first] == [a.asset_id for a in replay] and len({a.asset_id for a in first}) == 3


def test_items_of_two_shipments_are_distinct_assets_and_each_replay_gives_the_same_ids() -> None:
    def shipment(shipment_id: str | None) -> TrackableItemsFulfilledV1:
        return TrackableItemsFulfilledV1(
            order_id=A,
            order_number="1000009",
            customer_id=B,
            items=[FulfilledItem(sku="TENT", name="Tent", quantity=1)],
            fulfilled_at=NOW,
            shipment_id=shipment_id,
        )

    first, second = history.assets(shipment("SHP-1")), history.assets(shipment("SHP-2"))

    assert [a.asset_id for a in first] == [a.asset_id for a in history.assets(shipment("SHP-1"))]
    assert {a.asset_id for a in first}.isdisjoint(a.asset_id for a in second)
    # Events from before shipment_id keep the ids they always had.
    old_key = f"{A}:0:TENT:"
    assert [a.asset_id for a in history.assets(shipment(None))] == [uuid.uuid5(history._ASSETS, old_key)]


def test_find_terms_are_parameters_with_wildcards_escaped() -> None:
    query = FindCustomersV1(last_name="50%_off\\", phone="(555) 010-12", include_guests=False)

    sql, args = search.customers_sql(query)

    assert args == ["%50\\%\\_off\\\\%", "%55501012%", 21, 0]
    assert "50%" not in sql and "NOT c.guest" in sql
    assert (
        "search_key(c.last_name) LIKE search_key($1)" in sql
        and "c.phone_digits LIKE $2" in sql
        and "LIMIT $3 OFFSET $4" in sql
    )


def test_a_phone_criterion_without_digits_is_no_criterion() -> None:
    assert search_rules.criteria(FindCustomersV1(phone="--")) == {}
    assert search_rules.criteria(FindCustomersV1(email="Ann", postal_code="k1a")) == {
        "email": "Ann",
        "postal_code": "k1a",
    }


def test_an_exact_logon_id_or_e_mail_is_an_equality_on_the_indexed_expression_never_a_like() -> None:
    query = FindCustomersV1(exact_logon_id="JDoe", exact_email="Jane@Example.com", last_name="do")

    sql, args = search.customers_sql(query)

    # lower(...) = lower($n): what the unique index on lower(logon_id) (001) and the b-tree on
    # lower(email) (004) answer; the value is a parameter, taken whole (no wildcard added).
    assert args[:3] == ["%do%", "JDoe", "Jane@example.com"]
    assert "lower(c.logon_id) = lower($2)" in sql and "lower(c.email) = lower($3)" in sql
    assert "search_key(c.logon_id)" not in sql and "search_key(c.email)" not in sql


def test_exact_criteria_are_criteria_of_their_own() -> None:
    query = FindCustomersV1(exact_email="ann@example.com")
    assert search_rules.criteria(query) == {}
    assert search_rules.exact(query) == {"exact_email": "ann@example.com"}
    assert search_rules.exact(FindCustomersV1(logon_id="ann")) == {}


def test_the_index_for_an_exact_e_mail_is_a_b_tree_on_the_same_expression_the_query_compares() -> None:
    migration = Path(search_rules.__file__).parents[1] / "migrations" / "004_email_lookup.sql"
    assert "ON customers (lower(email))" in migration.read_text()
