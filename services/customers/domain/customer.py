"""Customer rules, pure and synchronous: no I/O, the clock passed in. Each decision returns the new
state and the events that say what changed, or raises :class:`~contracts.errors.Refused` having changed nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from contracts import errors
from contracts.common import Address
from contracts.customers import (
    CreateGuestCustomerV1,
    CustomerEnabledV1,
    CustomerLockedOutV1,
    CustomerRegisteredV1,
    CustomerUpdatedV1,
    LogonAttemptRecordedV1,
    LogonOutcome,
    RegisterCustomerV1,
    UpdateCustomerProfileV1,
)
from contracts.envelope import Actor, Event
from contracts.errors import Refused

MAX_ATTRIBUTES = 50


@dataclass(frozen=True)
class Customer:
    customer_id: uuid.UUID
    logon_id: str | None
    guest: bool
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    preferred_currency: str
    preferred_language: str
    email_format: str | None
    demographics: dict[str, Any]
    status: str
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    challenge_question: str | None = None
    addresses: list[Address] = field(default_factory=list)
    mobile_phone: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    account_id: uuid.UUID | None = None
    failed_logons: int = 0
    locked_at: datetime | None = None
    must_change_password: bool = False
    password_expires_at: datetime | None = None

    def touched(self, now: datetime, actor: Actor) -> Customer:
        """The next version, changed by ``actor`` at ``now``."""
        return replace(self, version=self.version + 1, updated_at=now, updated_by=actor.agent_id)


@dataclass(frozen=True)
class ProfileChange:
    """One entry of the change log: what changed from what to what. Secret fields are named in
    ``fields`` but never have values in ``before``/``after``."""

    fields: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str | None = None


# --- registration --------------------------------------------------------------------------------


def register(
    cmd: RegisterCustomerV1, customer_id: uuid.UUID, now: datetime, actor: Actor
) -> tuple[Customer, CustomerRegisteredV1]:
    """A new registered customer is enabled from the start (seed 001)."""
    customer = Customer(
        customer_id=customer_id,
        logon_id=cmd.logon_id,
        guest=False,
        first_name=cmd.first_name,
        last_name=cmd.last_name,
        email=str(cmd.email),
        phone=cmd.phone,
        mobile_phone=cmd.mobile_phone,
        preferred_currency=cmd.preferred_currency,
        preferred_language=cmd.preferred_language,
        email_format=cmd.email_format,
        demographics=dict(cmd.demographics),
        attributes=dict(cmd.attributes),
        account_id=cmd.account_id,
        status="enabled",
        version=1,
        created_at=now,
        created_by=actor.agent_id,
        updated_at=now,
        updated_by=actor.agent_id,
        challenge_question=cmd.challenge_question,
        addresses=[cmd.address] if cmd.address else [],
    )
    return customer, registered_event(customer)


def create_guest(
    cmd: CreateGuestCustomerV1, customer_id: uuid.UUID, now: datetime, actor: Actor
) -> tuple[Customer, CustomerRegisteredV1]:
    """A guest has no logon id and no password; orders can still be placed for it (CUS-02)."""
    customer = Customer(
        customer_id=customer_id,
        logon_id=None,
        guest=True,
        first_name=cmd.first_name,
        last_name=cmd.last_name,
        email=str(cmd.email) if cmd.email else None,
        phone=cmd.phone,
        preferred_currency=cmd.preferred_currency,
        preferred_language=cmd.preferred_language,
        email_format=cmd.email_format,
        demographics={},
        status="enabled",
        version=1,
        created_at=now,
        created_by=actor.agent_id,
        updated_at=now,
        updated_by=actor.agent_id,
        addresses=[cmd.address] if cmd.address else [],
    )
    return customer, registered_event(customer)


def register_guest(
    guest: Customer, cmd: RegisterCustomerV1, now: datetime, actor: Actor
) -> tuple[Customer, ProfileChange, list[Event]]:
    """The guest becomes registered under the same customer id, so its history stays (CUS-02)."""
    if not guest.guest:
        raise Refused.field(
            errors.INVALID_STATE, "payload.guest_customer_id", "this customer is already registered, not a guest"
        )
    registered = replace(
        guest.touched(now, actor),
        logon_id=cmd.logon_id,
        guest=False,
        first_name=cmd.first_name,
        last_name=cmd.last_name,
        email=str(cmd.email),
        phone=cmd.phone or guest.phone,
        mobile_phone=cmd.mobile_phone,
        preferred_currency=cmd.preferred_currency,
        preferred_language=cmd.preferred_language,
        email_format=cmd.email_format or guest.email_format,
        demographics={**guest.demographics, **cmd.demographics},
        attributes={**guest.attributes, **cmd.attributes},
        account_id=cmd.account_id,
        challenge_question=cmd.challenge_question,
        addresses=[cmd.address] if cmd.address else [],
    )
    change = _diff(guest, registered, reason="guest registered")
    change = replace(change, fields=[*change.fields, "password"])
    event = registered_event(registered).model_copy(update={"was_guest": True})
    return registered, change, [event, updated_event(registered, change.fields)]


def registered_event(customer: Customer) -> CustomerRegisteredV1:
    return CustomerRegisteredV1(
        customer_id=customer.customer_id,
        logon_id=customer.logon_id,
        guest=customer.guest,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        phone=customer.phone,
        preferred_currency=customer.preferred_currency,
        preferred_language=customer.preferred_language,
        email_format=customer.email_format,
        registered_at=customer.updated_at,
        account_id=customer.account_id,
    )


def updated_event(customer: Customer, changed_fields: list[str]) -> CustomerUpdatedV1:
    return CustomerUpdatedV1(
        customer_id=customer.customer_id,
        changed_fields=changed_fields,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        phone=customer.phone,
        preferred_currency=customer.preferred_currency,
        preferred_language=customer.preferred_language,
        email_format=customer.email_format,
        version=customer.version,
        updated_at=customer.updated_at,
    )


# --- profile -------------------------------------------------------------------------------------

# Profile fields a change log shows with their values. Anything else changed (a secret) is named only.
PROFILE_FIELDS = (
    "logon_id",
    "guest",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile_phone",
    "preferred_currency",
    "preferred_language",
    "email_format",
    "challenge_question",
    "account_id",
    "attributes",
    "demographics",
    "status",
)
_SIMPLE_UPDATES = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile_phone",
    "preferred_currency",
    "preferred_language",
    "email_format",
    "challenge_question",
    "account_id",
)


def check_version(customer: Customer, expected: int | None) -> None:
    if expected is not None and expected != customer.version:
        raise Refused.field(
            errors.STALE_VERSION,
            "payload.expected_version",
            f"the customer is at version {customer.version}, not the one expected: reload and try again",
        )


def update_profile(
    customer: Customer, cmd: UpdateCustomerProfileV1, now: datetime, actor: Actor
) -> tuple[Customer, ProfileChange | None]:
    """Apply the fields given; ``None`` when nothing actually changes (no new version, no event)."""
    check_version(customer, cmd.expected_version)
    values: dict[str, Any] = {}
    for name in _SIMPLE_UPDATES:
        value = getattr(cmd, name)
        if value is not None:
            if name in cmd.clear:
                raise Refused.field(errors.INVALID, f"payload.{name}", f"{name} is both set and cleared")
            values[name] = str(value) if name == "email" else value
    for name in cmd.clear:
        values[name] = None
    values["attributes"] = _merge("attributes", customer.attributes, cmd.set_attributes, cmd.remove_attributes)
    values["demographics"] = _merge(
        "demographics", customer.demographics, cmd.set_demographics, cmd.remove_demographics
    )
    question = values.get("challenge_question", customer.challenge_question)
    if cmd.challenge_answer is not None and not question:
        raise Refused.field(errors.INVALID, "payload.challenge_question", "a challenge answer needs its question")
    updated = replace(customer, **values)
    change = _diff(customer, updated, reason=cmd.reason)
    if cmd.challenge_answer is not None or ("challenge_question" in cmd.clear and customer.challenge_question):
        change = replace(change, fields=[*change.fields, "challenge_answer"])
    if not change.fields:
        return customer, None
    return updated.touched(now, actor), change


def _merge(name: str, current: dict[str, Any], set_: dict[str, str], remove: list[str]) -> dict[str, Any]:
    both = set(set_) & set(remove)
    if both:
        raise Refused.field(errors.INVALID, f"payload.remove_{name}", f"the same {name} are both set and removed")
    merged = {k: v for k, v in {**current, **set_}.items() if k not in remove}
    if len(merged) > MAX_ATTRIBUTES:
        raise Refused.field(
            errors.LIMIT_EXCEEDED, f"payload.set_{name}", f"a customer has at most {MAX_ATTRIBUTES} {name}"
        )
    return merged


def _diff(before: Customer, after: Customer, reason: str | None = None) -> ProfileChange:
    fields = [f for f in PROFILE_FIELDS if getattr(before, f) != getattr(after, f)]
    return ProfileChange(
        fields=fields,
        before={f: _plain(getattr(before, f)) for f in fields},
        after={f: _plain(getattr(after, f)) for f in fields},
        reason=reason,
    )


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


# --- logon and lock-out (CUS-07) -----------------------------------------------------------------


@dataclass(frozen=True)
class LogonDecision:
    customer: Customer
    outcome: LogonOutcome
    change: ProfileChange | None
    events: list[Event]


def logon_attempt(
    customer: Customer, *, password_ok: bool | None, threshold: int, now: datetime, actor: Actor
) -> LogonDecision:
    """Decide a logon. ``password_ok`` is None when the channel only reports a failure.

    A locked account answers ``locked`` without looking at the password, so guessing on a locked
    account learns nothing and counts nothing. A wrong password counts; at ``threshold`` failures
    the account locks. A right password resets the count, unless it is an expired temporary one.
    """
    if customer.status == "locked":
        return LogonDecision(customer, "locked", None, [_attempt(customer, False, actor, now)])
    if password_ok:
        if customer.must_change_password and customer.password_expires_at and customer.password_expires_at <= now:
            return LogonDecision(customer, "temporary_password_expired", None, [_attempt(customer, False, actor, now)])
        ok = replace(customer, failed_logons=0)
        return LogonDecision(ok, "ok", None, [_attempt(ok, True, actor, now)])
    failed = replace(customer, failed_logons=customer.failed_logons + 1)
    if failed.failed_logons < threshold:
        return LogonDecision(failed, "wrong_password", None, [_attempt(failed, False, actor, now)])
    locked = replace(failed, status="locked", locked_at=now).touched(now, actor)
    change = ProfileChange(
        ["status"], {"status": "enabled"}, {"status": "locked"}, f"{locked.failed_logons} failed logons"
    )
    lockout = CustomerLockedOutV1(
        customer_id=locked.customer_id, failed_logons=locked.failed_logons, locked_at=now, version=locked.version
    )
    return LogonDecision(locked, "wrong_password", change, [_attempt(locked, False, actor, now), lockout])


def _attempt(customer: Customer, succeeded: bool, actor: Actor, now: datetime) -> LogonAttemptRecordedV1:
    return LogonAttemptRecordedV1(
        customer_id=customer.customer_id,
        succeeded=succeeded,
        failed_logons=customer.failed_logons,
        status=customer.status,
        channel=actor.agent_id,
        occurred_at=now,
    )


def enable(
    customer: Customer, reason: str | None, expected_version: int | None, now: datetime, actor: Actor
) -> tuple[Customer, ProfileChange, CustomerEnabledV1]:
    check_version(customer, expected_version)
    if customer.status != "locked":
        raise Refused(errors.INVALID_STATE, "the account is not locked out; there is nothing to re-enable")
    enabled = replace(customer, status="enabled", failed_logons=0, locked_at=None).touched(now, actor)
    change = ProfileChange(["status"], {"status": "locked"}, {"status": "enabled"}, reason or "re-enabled")
    event = CustomerEnabledV1(
        customer_id=customer.customer_id,
        enabled_by=actor.agent_id,
        enabled_at=now,
        reason=reason,
        version=enabled.version,
    )
    return enabled, change, event


# --- passwords (CUS-08) --------------------------------------------------------------------------


def reset_password(
    customer: Customer, expected_version: int | None, valid_for: timedelta, now: datetime, actor: Actor
) -> tuple[Customer, ProfileChange]:
    """The customer must change the temporary password at the next logon, before it expires."""
    check_version(customer, expected_version)
    if customer.guest or not customer.logon_id:
        raise Refused(errors.INVALID_STATE, "a guest customer has no password to reset; register the guest first")
    if not customer.email:
        raise Refused(errors.INVALID_STATE, "the customer has no e-mail address to send a temporary password to")
    reset = replace(customer, must_change_password=True, password_expires_at=now + valid_for).touched(now, actor)
    return reset, ProfileChange(["password"], {}, {}, "password reset by customer service")


def password_changed(customer: Customer, now: datetime, actor: Actor) -> tuple[Customer, ProfileChange]:
    if customer.status == "locked":
        raise Refused(errors.LOCKED, "the account is locked out; customer service must re-enable it first")
    if customer.must_change_password and customer.password_expires_at and customer.password_expires_at <= now:
        raise Refused("temporary_password_expired", "the temporary password has expired; ask for a new reset")
    changed = replace(customer, must_change_password=False, password_expires_at=None, failed_logons=0)
    return changed.touched(now, actor), ProfileChange(["password"], {}, {}, "password changed by the customer")


# --- notes (CUS-09) ------------------------------------------------------------------------------


def check_codes(activity_code: str, result_code: str, activity_codes: list[str], result_codes: list[str]) -> None:
    if activity_code not in activity_codes:
        raise Refused.field(
            "unknown_activity_code",
            "payload.activity_code",
            f"not an activity code; use one of {', '.join(activity_codes)}",
        )
    if result_code not in result_codes:
        raise Refused.field(
            "unknown_result_code",
            "payload.result_code",
            f"not a result code; use one of {', '.join(result_codes)}",
        )
