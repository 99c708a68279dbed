"""Rejection codes specific to the notifications service (besides ``contracts.errors``)."""

from __future__ import annotations

UNKNOWN_TEMPLATE = "unknown_template"
TEMPLATE_VARIABLE_MISSING = "template_variable_missing"
NO_RECIPIENT_ADDRESS = "no_recipient_address"
UNSAFE_HTML = "unsafe_html"
BODY_PURGED = "body_purged"
