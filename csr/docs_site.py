"""The AsyncAPI documents as a web site: one page per service, rendered in the browser by the
AsyncAPI React component, and an index listing every topic and message.

The component's standalone bundle comes from the npm registry (``npm pack``, checked against its
pinned sha512 integrity) into a cache, so the site needs no CDN: it works offline, from a plain
static file server. The documents themselves are ``docs/asyncapi/*.json``, generated from code by
``scripts/gen_docs.py``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from csr.client.errors import UsageError

PACKAGE = "@asyncapi/react-component"
VERSION = "3.1.5"  # the version FastStream 0.7.8's own docs page loads
INTEGRITY = "sha512-Aq4I++uX6lOWxgBn+D7ly/GXasHjVcORz8eIGii8RgFjZ0i8mDth6LjFHb/yHVr3ANxLFLodXUgwEBhcSvfV/Q=="
ASSETS = {
    "package/browser/standalone/index.js": "asyncapi-standalone.js",
    "package/styles/default.min.css": "asyncapi.css",
    "package/LICENSE": "LICENSE-asyncapi-react-component.txt",
}
ROOT = Path(__file__).resolve().parents[1]


def default_source() -> Path:
    return ROOT / "docs" / "asyncapi"


def default_out() -> Path:
    return ROOT / "build" / "asyncapi"


def default_cache() -> Path:
    return Path(os.environ.get("OMS_DOCS_CACHE", ROOT / "build" / "cache"))


# --- the bundle --------------------------------------------------------------------------------


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch_bundle(cache: Path) -> Path:
    """The component's package tarball, from the cache or fetched with ``npm pack``."""
    tarball = cache / f"asyncapi-react-component-{VERSION}.tgz"
    if tarball.exists() and _integrity(tarball) == INTEGRITY:
        return tarball
    npm = shutil.which("npm")
    if npm is None:
        raise UsageError(f"npm is needed once to fetch {PACKAGE}@{VERSION} (install Node.js and npm)")
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(cache), "--silent"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not tarball.exists():
        raise UsageError(f"npm pack {PACKAGE}@{VERSION} failed: {done.stderr.strip()[-500:]}")
    if _integrity(tarball) != INTEGRITY:
        tarball.unlink()
        raise UsageError(f"{tarball.name} does not match its pinned integrity; refusing to use it")
    return tarball


def _extract_assets(tarball: Path, assets: Path) -> None:
    assets.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:gz") as archive:
        for member, name in ASSETS.items():
            source = archive.extractfile(member)
            if source is None:
                raise UsageError(f"{tarball.name} has no {member}")
            (assets / name).write_bytes(source.read())


# --- the pages -------------------------------------------------------------------------------


def message_names(document: dict[str, Any]) -> dict[str, list[str]]:
    """Topic address -> the message types (``RegisterCustomerV1``) it carries."""
    messages = document.get("components", {}).get("messages", {})
    schemas = document.get("components", {}).get("schemas", {})
    out: dict[str, list[str]] = {}
    for channel in document.get("channels", {}).values():
        names: list[str] = []
        for ref in channel.get("messages", {}).values():
            message = messages.get(_ref_name(ref), {})
            names.extend(_payload_names(message.get("payload", {}), schemas))
        out.setdefault(channel.get("address", "?"), []).extend(
            n for n in names if n not in out.get(channel.get("address", "?"), [])
        )
    return out


def _ref_name(node: dict[str, Any]) -> str:
    """The last step of a ``$ref`` JSON pointer, unescaped (``%20``, ``~1``)."""
    return unquote(str(node.get("$ref", "")).rsplit("/", 1)[-1]).replace("~1", "/").replace("~0", "~")


def _payload_names(payload: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    if "$ref" in payload:
        name = _ref_name(payload)
        if name in schemas and any(k in schemas[name] for k in ("anyOf", "oneOf")):
            return _payload_names(schemas[name], schemas)
        return [name.removesuffix("Envelope")]
    return [n for option in payload.get("anyOf", payload.get("oneOf", [])) for n in _payload_names(option, schemas)]


_STYLE = """
html { font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; }
body { margin: 0; }
nav { padding: .6rem 1.2rem; background: #1f2937; color: #e5e7eb; }
nav a { color: #93c5fd; margin-right: 1rem; text-decoration: none; }
main { max-width: 70rem; margin: 1.5rem auto; padding: 0 1.2rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
th, td { text-align: left; border-bottom: 1px solid #e5e7eb; padding: .35rem .6rem; vertical-align: top; }
code { font-size: .9em; }
"""


def _nav(services: list[str]) -> str:
    links = "".join(f'<a href="{html.escape(s)}.html">{html.escape(s)}</a>' for s in services)
    return f'<nav><a href="index.html"><strong>csr-oms messages</strong></a>{links}</nav>'


def service_page(name: str, document_text: str, services: list[str]) -> str:
    # "<" only ever occurs inside JSON strings, where \u003c means the same: no "</script>" can
    # end the embedding early.
    embedded = document_text.replace("<", "\\u003c")
    title = html.escape(json.loads(document_text).get("info", {}).get("title", name))
    config = {
        "show": {
            "sidebar": True,
            "info": True,
            "servers": True,
            "operations": True,
            "messages": True,
            "schemas": True,
            "errors": True,
        },
        "expand": {"messageExamples": False},
    }
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} — AsyncAPI</title>
<link rel="stylesheet" href="assets/asyncapi.css">
<style>{_STYLE}</style>
</head>
<body>
{_nav(services)}
<div id="asyncapi"></div>
<script id="asyncapi-document" type="application/json">{embedded}</script>
<script src="assets/asyncapi-standalone.js"></script>
<script>
  AsyncApiStandalone.render(
    {{ schema: document.getElementById("asyncapi-document").textContent, config: {json.dumps(config)} }},
    document.getElementById("asyncapi")
  );
</script>
</body>
</html>
"""


def index_page(documents: dict[str, dict[str, Any]]) -> str:
    services = list(documents)
    sections = []
    for name, document in documents.items():
        info = document.get("info", {})
        rows = "".join(
            f"<tr><td><code>{html.escape(topic)}</code></td><td>"
            + ", ".join(f"<code>{html.escape(m)}</code>" for m in names)
            + "</td></tr>"
            for topic, names in message_names(document).items()
        )
        sections.append(
            f'<h2><a href="{html.escape(name)}.html">{html.escape(info.get("title", name))}</a></h2>'
            f"<p>{html.escape(info.get('description', ''))}</p>"
            f"<table><tr><th>topic</th><th>messages</th></tr>{rows}</table>"
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>csr-oms — messages of every service</title><style>{_STYLE}</style></head>
<body>
{_nav(services)}
<main>
<h1>Messages of every service</h1>
<p>Generated from the pydantic contracts; each service's page shows its topics, operations and the
schema of every message. Topic names carry the deployment's prefix (<code>OMS_TOPIC_PREFIX</code>).</p>
{"".join(sections)}
</main>
</body>
</html>
"""


def build_site(source: Path | None = None, out: Path | None = None, cache: Path | None = None) -> Path:
    """Write the site into ``out`` and return its index page."""
    source = source or default_source()
    out = out or default_out()
    files = sorted(source.glob("*.json"))
    if not files:
        raise UsageError(f"no AsyncAPI documents in {source}: run `uv run python scripts/gen_docs.py`")
    texts = {f.stem: f.read_text() for f in files}
    documents = {name: json.loads(text) for name, text in texts.items()}
    _extract_assets(fetch_bundle(cache or default_cache()), out / "assets")
    for name, text in texts.items():
        (out / f"{name}.html").write_text(service_page(name, text, list(texts)))
    index = out / "index.html"
    index.write_text(index_page(documents))
    return index
