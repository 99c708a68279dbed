"""Generate, from code, the JSON Schema of every message and each service's AsyncAPI document.

    uv run python scripts/gen_docs.py          # write docs/schemas and docs/asyncapi
    uv run python scripts/gen_docs.py --check  # fail if the committed files are not current

Nothing under docs/schemas or docs/asyncapi is written by hand.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contracts.published import is_request, message_schema, reply_schema  # noqa: E402
from contracts.registry import all_messages  # noqa: E402

SERVICES = ("customers", "orders", "notifications")


def schemas() -> dict[str, dict[str, Any]]:
    """One file per message (its envelope), and one per command or query for its typed reply."""
    out: dict[str, dict[str, Any]] = {}
    for cls in sorted(all_messages().values(), key=lambda c: (c.TYPE, c.VERSION)):
        out[f"schemas/{cls.TYPE}V{cls.VERSION}.json"] = message_schema(cls)
        if is_request(cls):
            out[f"schemas/{cls.TYPE}V{cls.VERSION}.reply.json"] = reply_schema(cls)
    return out


def asyncapi() -> dict[str, dict[str, Any]]:
    from services.runtime.asyncapi import document

    out: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        definition = importlib.import_module(f"services.{service}.app").create_service()
        out[f"asyncapi/{service}.json"] = document(definition.name, definition.description, definition.handlers)
    return out


def render() -> dict[str, str]:
    files = {**schemas(), **asyncapi()}
    return {name: json.dumps(doc, indent=2, sort_keys=True) + "\n" for name, doc in files.items()}


def main() -> int:
    docs = ROOT / "docs"
    wanted = render()
    stale = [name for name, text in wanted.items() if not (docs / name).exists() or (docs / name).read_text() != text]
    generated_dirs = [docs / "schemas", docs / "asyncapi"]
    orphans = [
        p for d in generated_dirs if d.exists() for p in d.glob("*.json") if str(p.relative_to(docs)) not in wanted
    ]
    if "--check" in sys.argv:
        if stale or orphans:
            print("generated docs are out of date; run: uv run python scripts/gen_docs.py", file=sys.stderr)
            for name in stale + [str(p) for p in orphans]:
                print(f"  {name}", file=sys.stderr)
            return 1
        return 0
    for name in stale:
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(wanted[name])
    for path in orphans:
        path.unlink()
    print(f"{len(stale)} written, {len(orphans)} removed, {len(wanted) - len(stale)} unchanged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
