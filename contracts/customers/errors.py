"""Rejection codes specific to the customers service (besides ``contracts.errors``)."""

from __future__ import annotations

PASSWORD_POLICY = "password_policy"  # noqa: S105 - a rejection code, not a password
AUTHENTICATION_FAILED = "authentication_failed"
TEMPORARY_PASSWORD_EXPIRED = "temporary_password_expired"  # noqa: S105 - a rejection code
UNKNOWN_ACTIVITY_CODE = "unknown_activity_code"
UNKNOWN_RESULT_CODE = "unknown_result_code"

CUSTOMER_ERROR_DESCRIPTIONS: dict[str, str] = {
    PASSWORD_POLICY: "The (new) password breaks the password policy; the message states the policy.",
    AUTHENTICATION_FAILED: "The current password given to ChangePasswordV1 is wrong.",
    TEMPORARY_PASSWORD_EXPIRED: "The temporary password expired; a new reset is needed.",
    UNKNOWN_ACTIVITY_CODE: "The activity code is not one of the configured codes (GetActivityCodesV1).",
    UNKNOWN_RESULT_CODE: "The result code is not one of the configured codes (GetActivityCodesV1).",
}
