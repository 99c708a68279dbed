"""The AsyncAPI documents as a static web site, rendered here, in Python: an index listing every
topic with its messages (each one click away), and one page per service with every operation,
message, reply, header and field. No JavaScript and no fetch from anywhere: the pages work
offline, from a plain static file server or straight from disk. The documents themselves are
``docs/asyncapi/*.json``, generated from code by ``scripts/gen_docs.py``; each message's JSON
Schema is copied beside the pages (``schemas/``) and linked from it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from csr.client.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
Document = dict[str, Any]


def default_source() -> Path:
    return ROOT / "docs" / "asyncapi"


def default_out() -> Path:
    return ROOT / "build" / "asyncapi"


# --- reading a document --------------------------------------------------------------------------


def ref_name(node: dict[str, Any]) -> str:
    """The last step of a ``$ref`` JSON pointer, unescaped (``%20``, ``~1``)."""
    return unquote(str(node.get("$ref", "")).rsplit("/", 1)[-1]).replace("~1", "/").replace("~0", "~")


def message_names(document: Document) -> dict[str, list[str]]:
    """Topic address -> the messages (``RegisterCustomerV1``) it carries."""
    out: dict[str, list[str]] = {}
    for channel in document.get("channels", {}).values():
        names = out.setdefault(channel.get("address", "?"), [])
        names.extend(ref_name(ref) for ref in channel.get("messages", {}).values() if ref_name(ref) not in names)
    return out


def _schema(document: Document, node: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = document.get("components", {}).get("schemas", {}).get(ref_name(node), {})
    return found if "$ref" in node else node


# --- text ----------------------------------------------------------------------------------------


def text_html(text: str) -> str:
    """Plain text with Markdown's back-quotes: escaped, `code` marked, paragraphs kept."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "".join(f"<p>{_inline(p)}</p>" for p in paragraphs)


def _inline(text: str) -> str:
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _anchor(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)


# --- schemas as tables ---------------------------------------------------------------------------


def type_html(document: Document, node: dict[str, Any], types: set[str]) -> str:
    """One property's type, short: ``string (uuid)``, ``array of Address``, a link to a type."""
    if "$ref" in node:
        name = ref_name(node)
        types.add(name)
        return f'<a href="#type-{_anchor(name)}">{html.escape(name)}</a>'
    if "const" in node:
        return f"<code>{html.escape(json.dumps(node['const']))}</code>"
    if "enum" in node:
        return "one of " + ", ".join(f"<code>{html.escape(json.dumps(v))}</code>" for v in node["enum"])
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            return " | ".join(type_html(document, option, types) for option in node[key])
    kind = node.get("type", "any")
    if kind == "array":
        return "array of " + type_html(document, node.get("items", {}), types)
    if kind == "object" and "additionalProperties" in node and isinstance(node["additionalProperties"], dict):
        return "map of " + type_html(document, node["additionalProperties"], types)
    detail = node.get("format")
    return html.escape(f"{kind} ({detail})" if detail else str(kind))


_LIMITS = ("minLength", "maxLength", "pattern", "minimum", "maximum", "minItems", "maxItems", "default")


def fields_table(document: Document, schema: dict[str, Any], types: set[str]) -> str:
    properties: dict[str, Any] = schema.get("properties", {})
    if not properties:
        return "<p><em>no fields</em></p>"
    required = set(schema.get("required", []))
    rows = []
    for name, node in properties.items():
        limits = ", ".join(f"{k} {json.dumps(node[k])}" for k in _LIMITS if k in node)
        about = _inline(node.get("description", "")) + (f" <small>{html.escape(limits)}</small>" if limits else "")
        rows.append(
            f"<tr><td><code>{html.escape(name)}</code></td><td>{type_html(document, node, types)}</td>"
            f"<td>{'yes' if name in required else ''}</td><td>{about}</td></tr>"
        )
    head = "<tr><th>field</th><th>type</th><th>required</th><th>about</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _types_section(document: Document, types: set[str]) -> str:
    """Every type a field links to, each with its own table (and the types those link to)."""
    done: set[str] = set()
    sections = []
    while types - done:
        name = sorted(types - done)[0]
        done.add(name)
        schema = _schema(document, {"$ref": f"#/components/schemas/{name}"})
        body = (
            fields_table(document, schema, types)
            if "properties" in schema
            else f"<p>{type_html(document, schema, types)}</p>"
        )
        description = text_html(schema.get("description", ""))
        sections.append(f'<section id="type-{_anchor(name)}"><h3>{html.escape(name)}</h3>{description}{body}</section>')
    return "".join(sections)


# --- pages ---------------------------------------------------------------------------------------

_STYLE = """
html { font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; }
body { margin: 0; }
nav { padding: .6rem 1.2rem; background: #1f2937; color: #e5e7eb; }
nav a { color: #93c5fd; margin-right: 1rem; text-decoration: none; }
main { max-width: 80rem; margin: 1.5rem auto; padding: 0 1.2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { text-align: left; border-bottom: 1px solid #e5e7eb; padding: .3rem .6rem; vertical-align: top; }
code { font-size: .9em; background: #f3f4f6; padding: 0 .2em; }
section.message { border-top: 2px solid #d1d5db; margin-top: 2rem; }
.kind { font-size: .75em; text-transform: uppercase; background: #e0e7ff; padding: .1em .5em; border-radius: .3em; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
"""


def _page(title: str, services: list[str], body: str) -> str:
    links = "".join(f'<a href="{html.escape(s)}.html">{html.escape(s)}</a>' for s in services)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body>
<nav><a href="index.html"><strong>csr-oms messages</strong></a>{links}</nav>
<main class="oms-contract">
{body}
</main>
</body>
</html>
"""


def _key_text(key: Any) -> str:
    if key is None:
        return "none (any partition)"
    if "constant" in key:
        return f"always <code>{html.escape(str(key['constant']))}</code>"
    fields = " or ".join(f"<code>payload.{html.escape(f)}</code>" for f in key["fields"])
    return fields + (", lower-cased" if key.get("lowercase") else "")


def _facts(
    document: Document, name: str, message: dict[str, Any], operation: dict[str, Any] | None, types: set[str]
) -> str:
    facts = [("kind", html.escape(str(message.get("x-kind", ""))))]
    if "x-deprecated" in message:
        facts.append(("deprecated", _inline(str(message["x-deprecated"]))))
    if "x-allowed-roles" in message:
        facts.append(("allowed roles", ", ".join(f"<code>{html.escape(r)}</code>" for r in message["x-allowed-roles"])))
    facts.append(("partition key", _key_text(message.get("x-partition-key"))))
    facts.append(("headers", type_html(document, message.get("headers", {}), types)))
    if operation and "reply" in operation:
        reply = ref_name(operation["reply"]["messages"][0])
        facts.append(
            (
                "reply",
                f'<a href="#{_anchor(reply)}">{html.escape(reply)}</a> on the topic in '
                f"<code>reply_to</code> (<code>{html.escape(REPLY_ADDRESS)}</code>)",
            )
        )
    if "x-reply-to" in message:
        request = message["x-reply-to"]
        facts.append(("answers", f'<a href="#{_anchor(request)}">{html.escape(request)}</a>'))
    facts.append(
        ("JSON Schema", f'<a href="schemas/{html.escape(_schema_file(name))}">{html.escape(_schema_file(name))}</a>')
    )
    return "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"


REPLY_ADDRESS = "<prefix>replies.<client>"


def _schema_file(message: str) -> str:
    return f"{message.removesuffix('Reply')}.reply.json" if message.endswith("Reply") else f"{message}.json"


def _payload(document: Document, message: dict[str, Any], types: set[str]) -> str:
    """The fields of the envelope's payload: the message's own, or each shape of a reply's."""
    envelope = _schema(document, message.get("payload", {}))
    payload = envelope.get("properties", {}).get("payload", {})
    shapes = payload.get("oneOf") or payload.get("anyOf")
    if not shapes:  # the message's own fields: its description is above already
        return fields_table(document, _schema(document, payload), types)
    out = []
    for shape in shapes:
        schema = _schema(document, shape)
        title = ref_name(shape) if "$ref" in shape else "payload"
        out.append(f"<h4>{html.escape(title)}</h4>{text_html(schema.get('description', ''))}")
        out.append(fields_table(document, schema, types))
    return "".join(out)


def service_page(name: str, document: Document, services: list[str]) -> str:
    info = document.get("info", {})
    operations_by_message = {
        ref_name(op["messages"][0]): op for op in document.get("operations", {}).values() if op.get("messages")
    }
    messages = document.get("components", {}).get("messages", {})
    types: set[str] = set()
    body = [f"<h1>{html.escape(info.get('title', name))}</h1>", text_html(info.get("description", ""))]
    body.append("<h2>Envelope</h2><p>Every record's value is this JSON envelope around the payload below.</p>")
    first = next(iter(messages.values()), None)
    if first is not None:
        body.append(fields_table(document, _schema(document, first.get("payload", {})), types))
    for channel in document.get("channels", {}).values():
        address = channel.get("address", "?")
        body.append(f'<h2 id="topic-{_anchor(address)}">Topic <code>{html.escape(address)}</code></h2>')
        body.append(text_html(channel.get("description", "")))
        for ref in channel.get("messages", {}).values():
            message_name = ref_name(ref)
            message = messages.get(message_name, {})
            operation = operations_by_message.get(message_name)
            kind = html.escape(str(message.get("x-kind", "")))
            body.append(
                f'<section class="message" id="{_anchor(message_name)}">'
                f'<h3>{html.escape(message_name)} <span class="kind">{kind}</span></h3>'
                f"{text_html(message.get('description') or message.get('summary', ''))}"
                f"{_facts(document, message_name, message, operation, types)}"
                f"{_payload(document, message, types)}</section>"
            )
    body.append("<h2>Types</h2>")
    body.append(_types_section(document, types))
    return _page(f"{info.get('title', name)} — messages", services, "\n".join(body))


def index_page(documents: dict[str, Document]) -> str:
    services = list(documents)
    sections = []
    for name, document in documents.items():
        info = document.get("info", {})
        rows = "".join(
            f"<tr><td><code>{html.escape(topic)}</code></td><td>"
            + ", ".join(f'<a href="{html.escape(name)}.html#{_anchor(m)}">{html.escape(m)}</a>' for m in names)
            + "</td></tr>"
            for topic, names in message_names(document).items()
        )
        sections.append(
            f'<h2><a href="{html.escape(name)}.html">{html.escape(info.get("title", name))}</a></h2>'
            f"{text_html(info.get('description', ''))}"
            f"<table><tr><th>topic</th><th>messages</th></tr>{rows}</table>"
        )
    body = (
        "<h1>Messages of every service</h1><p>Generated from the pydantic contracts; each service's page shows "
        "its topics, operations, replies and the fields of every message. Topic names carry the deployment's "
        "prefix (<code>OMS_TOPIC_PREFIX</code>).</p>" + "".join(sections)
    )
    return _page("csr-oms — messages of every service", services, body)


def build_site(source: Path | None = None, out: Path | None = None) -> Path:
    """Write the site into ``out`` and return its index page."""
    source = source or default_source()
    out = out or default_out()
    files = sorted(source.glob("*.json"))
    if not files:
        raise UsageError(f"no AsyncAPI documents in {source}: run `uv run python scripts/gen_docs.py`")
    documents = {f.stem: json.loads(f.read_text()) for f in files}
    out.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        (out / f"{name}.html").write_text(service_page(name, document, list(documents)))
    schemas = source.parent / "schemas"
    if schemas.is_dir():
        shutil.copytree(schemas, out / "schemas", dirs_exist_ok=True)
    index = out / "index.html"
    index.write_text(index_page(documents))
    return index
