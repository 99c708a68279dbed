"""The customers service's settings change its rules: lock-out threshold (CUS-07), temporary
password lifetime (CUS-08), activity and result code lists (CUS-09). The service is restarted with
other settings for this test and restarted with the defaults after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contracts.customers import (
    ActivityCodes,
    AuthenticateCustomerV1,
    ChangePasswordV1,
    GetActivityCodesV1,
    LogonResult,
    NoteResult,
    PasswordResetResult,
    RecordActivityNoteV1,
    ResetPasswordV1,
)
from contracts.sealing import open_sealed
from csr.client import OmsClient
from tests.support.customers import event_for, ok, register
from tests.support.system import System, eventually

SETTINGS = {
    "OMS_LOCKOUT_THRESHOLD": "2",
    "OMS_TEMPORARY_PASSWORD_HOURS": "0.002",  # 7.2 seconds
    "OMS_ACTIVITY_CODES": '["site_visit", "call_in"]',
    "OMS_RESULT_CODES": '["sold", "not_interested"]',
}


@pytest.fixture
def configured(system: System) -> Iterator[System]:
    system.restart("customers", SETTINGS)
    try:
        yield system
    finally:
        system.restart("customers")


@pytest.mark.capability("CUS-07", "CUS-08", "CUS-09")
async def test_threshold_password_lifetime_and_code_lists_come_from_settings(
    configured: System, csr: OmsClient, channel: OmsClient
) -> None:
    system = configured
    customer_id, command = await register(csr)

    async def logon(password: str) -> LogonResult:
        return await ok(
            channel, AuthenticateCustomerV1(logon_id=command.logon_id, password=channel.seal(password)), LogonResult
        )

    first, second = await logon("Wrong12345"), await logon("Wrong12345")
    assert (first.status, second.status) == ("enabled", "locked")

    codes = await ok(csr, GetActivityCodesV1(), ActivityCodes)
    note = await csr.send(
        RecordActivityNoteV1(customer_id=customer_id, activity_code="site_visit", result_code="sold", subject="Visit")
    )
    old_code = await csr.send(
        RecordActivityNoteV1(customer_id=customer_id, activity_code="chat", result_code="sold", subject="Chat")
    )
    assert codes == ActivityCodes(activity_codes=["site_visit", "call_in"], result_codes=["sold", "not_interested"])
    assert note.accepted and NoteResult.model_validate(note.result)
    assert old_code.code == "unknown_activity_code"

    other_id, other = await register(csr)
    await ok(csr, ResetPasswordV1(customer_id=other_id), PasswordResetResult)
    event = await event_for(system, "PasswordReset", lambda p: p["customer_id"] == str(other_id))
    temporary = open_sealed(event.payload["sealed_temporary_password"], system.private_key)

    async def expired() -> bool:
        result = await ok(
            channel, AuthenticateCustomerV1(logon_id=other.logon_id, password=channel.seal(temporary)), LogonResult
        )
        return result.outcome == "temporary_password_expired"

    await eventually(expired, timeout=60, interval=1.0)
    change = await channel.send(
        ChangePasswordV1(
            logon_id=other.logon_id, current_password=channel.seal(temporary), new_password=channel.seal("Fresh12345")
        )
    )
    assert change.code == "temporary_password_expired"
