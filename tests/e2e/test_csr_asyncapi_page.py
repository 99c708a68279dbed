"""The AsyncAPI documents as web pages: built like ``make docs-site``, served over HTTP, opened
in headless Chromium (Debian's package) with its network limited to the local server, and read
from the DOM the browser rendered."""

from __future__ import annotations

import asyncio
import functools
import http.server
import json
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from csr.docs_site import build_site, default_source, message_names
from tests.support.system import System

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=20000",
]


class _VisibleText(HTMLParser):
    """The text a person sees: everything but scripts and styles (the page embeds its JSON
    document in a script, which must not count as rendered)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.classes: set[str] = set()
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.classes.update((dict(attrs).get("class") or "").split())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible(dom: str) -> tuple[str, set[str]]:
    parser = _VisibleText()
    parser.feed(dom)
    return " ".join(parser.parts), parser.classes


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("asyncapi-site")
    build_site(out=out)
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


async def rendered(url: str, profile: Path) -> str:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium package is needed (scripts/bootstrap.sh installs it)"
    proc = await asyncio.create_subprocess_exec(
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode == 0, err.decode()[-2000:]
    return out.decode()


@pytest.mark.capability("PLT-01")
@pytest.mark.parametrize(
    ("service", "known"),
    [
        ("customers", {"customers.commands", "customers.events", "RegisterCustomerV1", "CustomerRegisteredV1"}),
        ("orders", {"orders.commands", "orders.events", "PlaceOrderV1", "OrderPlacedV1"}),
        ("notifications", {"notifications.events", "EmailSentV1"}),
    ],
)
async def test_each_service_page_renders_its_topics_and_messages_in_a_browser(
    site: str, tmp_path: Path, service: str, known: set[str]
) -> None:
    document = json.loads((default_source() / f"{service}.json").read_text())
    expected = known | set(message_names(document)) | {m for ms in message_names(document).values() for m in ms}

    text, classes = visible(await rendered(f"{site}/{service}.html", tmp_path / "profile"))

    assert "oms-contract" in classes, "the page did not render"
    assert document["info"]["title"] in text
    missing = sorted(name for name in expected if name not in text)
    assert not missing, f"not on the rendered {service} page: {missing}"


@pytest.mark.capability("PLT-01")
async def test_the_index_page_links_every_service_and_lists_their_topics(site: str, tmp_path: Path) -> None:
    text, _ = visible(await rendered(f"{site}/index.html", tmp_path / "profile"))

    for service in ("customers", "orders", "notifications"):
        assert f"CSR OMS {service} service" in text
    assert "customers.commands" in text and "RegisterCustomerV1" in text and "OrderPlacedV1" in text


@pytest.mark.capability("PLT-01")
def test_each_service_serves_its_published_document_and_no_page_from_a_cdn(system: System) -> None:
    for name, service in system.services.items():
        with urllib.request.urlopen(f"http://127.0.0.1:{service.port}/docs/asyncapi", timeout=10) as response:
            served = json.loads(response.read())
            kind = response.headers["content-type"]

        assert kind == "application/json"
        assert served == json.loads((default_source() / f"{name}.json").read_text()), name
