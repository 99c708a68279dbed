"""Pure customer rules: profile updates, lock-out, password reset, notes' codes."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from contracts import errors
from contracts.customers import CreateGuestCustomerV1, RegisterCustomerV1, UpdateCustomerProfileV1
from contracts.envelope import Actor, Role
from services.customers.domain import customer as domain
from services.customers.domain import passwords
from services.customers.domain.customer import Customer
from services.runtime.handling import Rejected

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CSR = Actor(agent_id="csr-1", role=Role.CSR)
WEB = Actor(agent_id="web", role=Role.CHANNEL)
SEALED = "sealed:v1:" + "A" * 86


def customer(**changes: object) -> Customer:
    base = Customer(
        customer_id=uuid.UUID(int=1),
        logon_id="jdoe",
        guest=False,
        first_name="Jane",
        last_name="Doe",
        email="jane@example.com",
        phone="+1 555 010 1234",
        preferred_currency="USD",
        preferred_language="en",
        email_format=None,
        demographics={"age_band": "35-44"},
        status="enabled",
        version=3,
        created_at=NOW,
        created_by="csr-0",
        updated_at=NOW,
        updated_by="csr-0",
        attributes={"tier": "gold"},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def update(**fields: object) -> UpdateCustomerProfileV1:
    return UpdateCustomerProfileV1.model_validate(
        {"customer_id": str(uuid.UUID(int=1)), "expected_version": 3, **fields}
    )


def test_an_update_changes_only_what_is_given_and_records_before_and_after() -> None:
    later = NOW + timedelta(minutes=5)
    updated, change = domain.update_profile(
        customer(), update(email="new@example.com", clear=["phone"], set_attributes={"vip": "yes"}), later, CSR
    )

    assert change is not None
    assert updated.email == "new@example.com" and updated.phone is None and updated.first_name == "Jane"
    assert updated.attributes == {"tier": "gold", "vip": "yes"}
    assert (updated.version, updated.updated_at, updated.updated_by) == (4, later, "csr-1")
    assert change.fields == ["email", "phone", "attributes"]
    assert change.before == {"email": "jane@example.com", "phone": "+1 555 010 1234", "attributes": {"tier": "gold"}}
    assert change.after["phone"] is None


def test_an_update_that_changes_nothing_makes_no_version() -> None:
    same, change = domain.update_profile(customer(), update(first_name="Jane", remove_attributes=["absent"]), NOW, CSR)

    assert change is None and same.version == 3


def test_a_stale_version_is_refused() -> None:
    with pytest.raises(Rejected) as refused:
        domain.update_profile(customer(version=4), update(first_name="Janet"), NOW, CSR)

    assert refused.value.code == errors.STALE_VERSION


def test_set_and_clear_of_one_field_or_too_many_attributes_are_refused() -> None:
    with pytest.raises(Rejected) as both:
        domain.update_profile(customer(), update(phone="+1 555 010 9999", clear=["phone"]), NOW, CSR)
    many = {f"k{i}": "v" for i in range(50)}
    with pytest.raises(Rejected) as limit:
        domain.update_profile(customer(), update(set_attributes=many), NOW, CSR)

    assert both.value.code == errors.INVALID
    assert limit.value.code == errors.LIMIT_EXCEEDED  # 1 existing + 50 new = 51 > 50


def test_a_challenge_answer_is_named_in_the_change_but_never_valued() -> None:
    _, change = domain.update_profile(customer(), update(challenge_question="Pet?", challenge_answer=SEALED), NOW, CSR)

    assert change is not None and change.fields == ["challenge_question", "challenge_answer"]
    assert "challenge_answer" not in change.before and "challenge_answer" not in change.after


def test_failures_lock_the_account_at_the_threshold() -> None:
    c = customer()
    outcomes = []
    for _ in range(3):
        decision = domain.logon_attempt(c, password_ok=False, threshold=3, now=NOW, actor=WEB)
        c = decision.customer
        outcomes.append((decision.outcome, c.failed_logons, c.status, len(decision.events)))

    assert outcomes == [("wrong_password", 1, "enabled", 1), ("wrong_password", 2, "enabled", 1),
                        ("wrong_password", 3, "locked", 2)]  # fmt: skip
    assert c.version == 4 and c.locked_at == NOW


def test_a_locked_account_answers_locked_even_to_the_right_password_and_counts_nothing() -> None:
    decision = domain.logon_attempt(
        customer(status="locked", failed_logons=5), password_ok=True, threshold=5, now=NOW, actor=WEB
    )

    assert decision.outcome == "locked" and decision.customer.failed_logons == 5


def test_a_success_resets_the_count_and_an_expired_temporary_password_does_not_log_on() -> None:
    ok = domain.logon_attempt(customer(failed_logons=2), password_ok=True, threshold=5, now=NOW, actor=WEB)
    temp = customer(must_change_password=True, password_expires_at=NOW)
    expired = domain.logon_attempt(temp, password_ok=True, threshold=5, now=NOW, actor=WEB)
    valid = domain.logon_attempt(temp, password_ok=True, threshold=5, now=NOW - timedelta(seconds=1), actor=WEB)

    assert (ok.outcome, ok.customer.failed_logons) == ("ok", 0)
    assert expired.outcome == "temporary_password_expired"
    assert valid.outcome == "ok" and valid.customer.must_change_password


def test_enable_needs_a_locked_account_and_clears_the_count() -> None:
    enabled, change, event = domain.enable(
        customer(status="locked", failed_logons=5, locked_at=NOW), "verified", 3, NOW, CSR
    )
    with pytest.raises(Rejected) as refused:
        domain.enable(customer(), None, None, NOW, CSR)

    assert (enabled.status, enabled.failed_logons, enabled.locked_at, enabled.version) == ("enabled", 0, None, 4)
    assert change.after == {"status": "enabled"} and event.enabled_by == "csr-1"
    assert refused.value.code == errors.INVALID_STATE


def test_a_reset_password_expires_and_must_be_changed_and_guests_have_none() -> None:
    reset, change = domain.reset_password(customer(), None, timedelta(hours=24), NOW, CSR)
    with pytest.raises(Rejected) as guest:
        domain.reset_password(customer(guest=True, logon_id=None), None, timedelta(hours=24), NOW, CSR)

    assert reset.must_change_password and reset.password_expires_at == NOW + timedelta(hours=24)
    assert change.fields == ["password"] and change.before == change.after == {}
    assert guest.value.code == errors.INVALID_STATE


def test_changing_an_expired_temporary_password_is_refused() -> None:
    temp = customer(must_change_password=True, password_expires_at=NOW - timedelta(seconds=1))

    with pytest.raises(Rejected) as refused:
        domain.password_changed(temp, NOW, WEB)
    changed, _ = domain.password_changed(replace(temp, password_expires_at=NOW + timedelta(hours=1)), NOW, WEB)

    assert refused.value.code == "temporary_password_expired"
    assert not changed.must_change_password and changed.password_expires_at is None


def test_registering_a_guest_keeps_its_id_and_merges_its_profile() -> None:
    guest, _ = domain.create_guest(
        CreateGuestCustomerV1(first_name="Gus", last_name="Guest", phone="+1 555 010 4444"), uuid.UUID(int=7), NOW, WEB
    )
    registration = RegisterCustomerV1.model_validate(
        {"logon_id": "gus", "password": SEALED, "first_name": "Gus", "last_name": "Guest", "email": "gus@example.com"}
    )

    registered, change, events = domain.register_guest(guest, registration, NOW + timedelta(days=1), WEB)

    assert registered.customer_id == uuid.UUID(int=7) and not registered.guest and registered.version == 2
    assert registered.phone == "+1 555 010 4444"  # kept from the guest: the registration gave none
    assert {"logon_id", "guest", "email", "password"} <= set(change.fields)
    assert [e.TYPE for e in events] == ["CustomerRegistered", "CustomerUpdated"]
    with pytest.raises(Rejected):
        domain.register_guest(registered, registration, NOW, WEB)


def test_note_codes_must_be_in_the_lists() -> None:
    domain.check_codes("call_in", "resolved", ["call_in"], ["resolved"])
    with pytest.raises(Rejected) as activity:
        domain.check_codes("fax", "resolved", ["call_in"], ["resolved"])
    with pytest.raises(Rejected) as result:
        domain.check_codes("call_in", "maybe", ["call_in"], ["resolved"])

    assert (activity.value.code, result.value.code) == ("unknown_activity_code", "unknown_result_code")


def test_temporary_passwords_meet_the_policy_and_avoid_ambiguous_characters() -> None:
    generated = {passwords.generate_temporary() for _ in range(200)}

    assert len(generated) == 200
    assert all(passwords.policy_violation(p, None) is None and len(p) == 14 for p in generated)
    assert not any(set(p) & set("0O1lI") for p in generated)


@pytest.mark.parametrize(
    ("password", "ok"),
    [("Sunshine42", True), ("short1A", False), ("allletters", False), ("1234567890", False), ("jdoe1234", True)],
)
def test_password_policy(password: str, ok: bool) -> None:
    assert (passwords.policy_violation(password, "jdoe") is None) is ok
    assert passwords.policy_violation("JDoe1234x", "jdoe1234x") is not None  # not the logon id, in any case
