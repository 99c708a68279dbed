"""The difference between two versions of an order (ORD-11), pure.

Snapshots are compared as JSON: lists of lines, payments and discounts are matched by their keys
(line number, payment id, discount code), so a changed quantity reads as one change of
``lines[2].quantity`` rather than a different list. A whole line or payment added or removed is
one difference carrying the whole item."""

from __future__ import annotations

from typing import Any

from pydantic import JsonValue

from contracts.orders import VersionDifference

# Metadata that changes with every version, and working fields that are not the order's content.
_IGNORED = {"version", "updated_at", "updated_by", "last_line_no", "available", "notified_holds"}
_KEYED_LISTS = {"lines": "line_no", "payments": "payment_id", "discounts": "code", "charges": "kind"}
_PRICE_FIELDS = {
    "unit_price",
    "subtotal",
    "discount",
    "discount_code",
    "net",
    "order_discount",
    "tax_rate",
    "tax",
    "total",
    "amount",
    "calculated",
}


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[VersionDifference]:
    found: list[VersionDifference] = []
    _walk(before, after, "", found)
    return found


def _walk(before: JsonValue, after: JsonValue, path: str, found: list[VersionDifference]) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            if key in _IGNORED:
                continue
            sub = f"{path}.{key}" if path else key
            if key not in after:
                found.append(_difference(sub, "removed", before[key], None))
            elif key not in before:
                found.append(_difference(sub, "added", None, after[key]))
            elif key in _KEYED_LISTS and isinstance(old := before[key], list) and isinstance(new := after[key], list):
                _walk_keyed(old, new, sub, _KEYED_LISTS[key], found)
            else:
                _walk(before[key], after[key], sub, found)
        return
    found.append(_difference(path, "changed", before, after))


def _walk_keyed(before: list[Any], after: list[Any], path: str, key: str, found: list[VersionDifference]) -> None:
    old = {_key(item, key, i): item for i, item in enumerate(before)}
    new = {_key(item, key, i): item for i, item in enumerate(after)}
    for k in [*old, *(k for k in new if k not in old)]:
        sub = f"{path}[{k}]"
        if k not in new:
            found.append(_difference(sub, "removed", old[k], None))
        elif k not in old:
            found.append(_difference(sub, "added", None, new[k]))
        else:
            _walk(old[k], new[k], sub, found)


def _key(item: Any, key: str, index: int) -> str:
    if isinstance(item, dict):
        value = item.get(key)
        if value is None:  # e.g. a discount without a code: the CSR adjustment or a share
            value = item.get("kind", index)
        return str(value)
    return str(index)


def _difference(path: str, change: str, before: JsonValue, after: JsonValue) -> VersionDifference:
    return VersionDifference(area=area_of(path), path=path, change=change, before=before, after=after)


def area_of(path: str) -> str:
    """Which part of the order a path is in: lines, prices, charges, addresses, payments, attributes
    or order."""
    head = path.split(".")[0].split("[")[0]
    last = path.rsplit(".", 1)[-1]
    if head == "shipments":
        return "charges"
    if "ship_to" in path or head in ("billing_address", "billing_source_address_id"):
        return "addresses"
    if head == "lines":
        return "prices" if last in _PRICE_FIELDS else "lines"
    if head == "charges" or path in ("totals.shipping", "totals.handling"):
        return "charges"
    if head in ("totals", "discounts", "coupons", "adjustment"):
        return "prices"
    if head == "payments":
        return "payments"
    if head == "attributes":
        return "attributes"
    return "order"
