from __future__ import annotations

from pydantic import Field

from services.runtime.settings import ServiceSettings

DEFAULT_ACTIVITY_CODES = ["call_in", "call_out", "email", "chat", "letter", "visit", "comment"]
DEFAULT_RESULT_CODES = ["resolved", "information_given", "follow_up", "callback_requested", "no_answer",
                        "left_message", "escalated", "complaint"]  # fmt: skip


class CustomersSettings(ServiceSettings):
    service_name: str = "customers"
    lockout_threshold: int = Field(default=5, ge=1)  # failed logons before the account locks (CUS-07)
    temporary_password_hours: float = Field(default=24, gt=0)  # how long a reset password stays valid (CUS-08)
    # Activity notes (CUS-09) take their codes from these lists: OMS_ACTIVITY_CODES='["call_in", ...]'.
    activity_codes: list[str] = Field(default_factory=lambda: list(DEFAULT_ACTIVITY_CODES), min_length=1)
    result_codes: list[str] = Field(default_factory=lambda: list(DEFAULT_RESULT_CODES), min_length=1)
