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

from contracts.envelope import TolerantReader, typed_envelope  # noqa: E402
from contracts.registry import all_messages  # noqa: E402

SERVICES = ("customers", "orders", "notifications")


def schemas() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for cls in sorted(all_messages().values(), key=lambda c: (c.TYPE, c.VERSION)):
        schema = typed_envelope(cls).model_json_schema(mode="validation")
        if issubclass(cls, TolerantReader):
            schema = _tolerant(schema)
            schema["$comment"] = TOLERANT_NOTE
        out[f"schemas/{cls.TYPE}V{cls.VERSION}.json"] = schema
    return out


TOLERANT_NOTE = (
    "Readers of events and replies ignore fields they do not know, at any depth (the envelope's too): "
    "a producer may add an optional field without a new version. See docs/contract.md."
)


def _tolerant(node: Any) -> Any:
    """The schema as a reader of events and replies applies it: unknown properties allowed. (The
    classes forbid them when an event is built in code, so a producer's typo is still caught.)"""
    if isinstance(node, dict):
        return {k: _tolerant(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(node, list):
        return [_tolerant(v) for v in node]
    return node


def asyncapi() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        module = importlib.import_module(f"services.{service}.app")
        app = module.create_app()
        out[f"asyncapi/{service}.json"] = app.schema.to_specification().to_jsonable()
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
