"""Rejection codes specific to the notifications service (besides ``contracts.errors``)."""

from __future__ import annotations

UNKNOWN_TEMPLATE = "unknown_template"
TEMPLATE_VARIABLE_MISSING = "template_variable_missing"
NO_RECIPIENT_ADDRESS = "no_recipient_address"
UNSAFE_HTML = "unsafe_html"
BODY_PURGED = "body_purged"

NOTIFICATION_ERROR_DESCRIPTIONS: dict[str, str] = {
    UNKNOWN_TEMPLATE: "No template of that name exists (payload.template).",
    TEMPLATE_VARIABLE_MISSING: "The template uses a variable that was not given (payload.variables).",
    NO_RECIPIENT_ADDRESS: "Neither `to` nor a known address of the customer (payload.to).",
    UNSAFE_HTML: "A written HTML body holds scripts, event handlers or javascript: links.",
    BODY_PURGED: "The e-mail cannot be re-sent: retention deleted its content (payload.email_id).",
}
