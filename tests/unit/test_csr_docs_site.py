"""The AsyncAPI pages' HTML, without a browser: rendered in Python from the documents, so they
load nothing from anywhere (no script, no stylesheet, no font from a URL), escape what the
documents say, and put every message one click from the index."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from csr.docs_site import build_site, default_source, index_page, message_names, service_page

DOCUMENT = {
    "asyncapi": "3.0.0",
    "info": {"title": "CSR OMS shop service", "version": "1", "description": "Sells <b>things</b></script>"},
    "channels": {
        "shop.commands": {"address": "shop.commands", "messages": {"BuyV1": {"$ref": "#/components/messages/BuyV1"}}},
        "replies": {
            "address": "<prefix>replies.<client>",
            "messages": {"BuyV1Reply": {"$ref": "#/components/messages/BuyV1Reply"}},
        },
    },
    "operations": {
        "BuyV1": {
            "action": "receive",
            "messages": [{"$ref": "#/channels/shop.commands/messages/BuyV1"}],
            "reply": {"messages": [{"$ref": "#/channels/replies/messages/BuyV1Reply"}]},
        }
    },
    "components": {
        "messages": {
            "BuyV1": {
                "description": "Buy `one` thing <now>",
                "x-kind": "command",
                "x-allowed-roles": ["csr"],
                "x-partition-key": {"fields": ["sku"], "lowercase": False},
                "headers": {"$ref": "#/components/schemas/RequestHeaders"},
                "payload": {"$ref": "#/components/schemas/BuyV1Envelope"},
            },
            "BuyV1Reply": {
                "x-kind": "reply",
                "x-reply-to": "BuyV1",
                "x-partition-key": None,
                "headers": {"$ref": "#/components/schemas/RecordHeaders"},
                "payload": {"$ref": "#/components/schemas/BuyV1ReplyEnvelope"},
            },
        },
        "schemas": {
            "BuyV1Envelope": {"properties": {"payload": {"$ref": "#/components/schemas/BuyV1"}}},
            "BuyV1": {"properties": {"sku": {"type": "string", "maxLength": 64}}, "required": ["sku"]},
            "BuyV1ReplyEnvelope": {
                "properties": {
                    "payload": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/BuyV1Accepted"},
                            {"$ref": "#/components/schemas/ShopRejected"},
                        ]
                    }
                }
            },
            "BuyV1Accepted": {"properties": {"result": {"$ref": "#/components/schemas/Receipt"}}},
            "ShopRejected": {"properties": {"code": {"type": "string"}}},
            "Receipt": {"properties": {"total": {"type": "string"}}},
            "RequestHeaders": {"properties": {"authorization": {"type": "string"}}},
            "RecordHeaders": {"properties": {"type": {"type": "string"}}},
        },
    },
}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.scripts += tag == "script"
        self.ids.update([found["id"] or ""] if "id" in found else [])
        for name in ("src", "href"):
            if found.get(name):
                self.urls.append((tag, found[name] or ""))


def _parse(page: str) -> _Links:
    links = _Links()
    links.feed(page)
    return links


def test_message_names_are_the_channels_messages() -> None:
    assert message_names(DOCUMENT) == {"shop.commands": ["BuyV1"], "<prefix>replies.<client>": ["BuyV1Reply"]}


def test_a_service_page_shows_roles_key_reply_and_fields_and_escapes_text() -> None:
    page = service_page("shop", DOCUMENT, ["shop"])

    assert "Buy <code>one</code> thing &lt;now&gt;" in page
    assert "Sells &lt;b&gt;things&lt;/b&gt;&lt;/script&gt;" in page
    assert "<code>csr</code>" in page and "<code>payload.sku</code>" in page
    assert '<a href="#BuyV1Reply">BuyV1Reply</a>' in page
    assert '<a href="#type-Receipt">Receipt</a>' in page and 'id="type-Receipt"' in page  # nested types linked
    assert '<a href="schemas/BuyV1.reply.json">' in page
    links = _parse(page)
    internal = [u.removeprefix("#") for _, u in links.urls if u.startswith("#")]
    assert internal and set(internal) <= links.ids  # every in-page link lands


def test_every_message_is_one_click_from_the_index() -> None:
    page = index_page({"shop": DOCUMENT})
    service = _parse(service_page("shop", DOCUMENT, ["shop"]))

    targets = [u for _, u in _parse(page).urls if u.startswith("shop.html#")]
    assert sorted(t.split("#", 1)[1] for t in targets) == ["BuyV1", "BuyV1Reply"]
    assert all(t.split("#", 1)[1] in service.ids for t in targets)


def test_the_built_site_loads_nothing_from_any_url(tmp_path: Path) -> None:
    index = build_site(default_source(), tmp_path / "site")

    pages = sorted(index.parent.glob("*.html"))
    assert {p.stem for p in pages} == {"index", "customers", "orders", "notifications"}
    for page in pages:
        text = page.read_text()
        links = _parse(text)
        assert links.scripts == 0, page.name
        external = [(tag, url) for tag, url in links.urls if re.match(r"^(https?:)?//", url)]
        assert external == [], page.name
        styles = "".join(re.findall(r"<style>(.*?)</style>", text, re.S))
        assert styles and not re.search(r"url\(|@import", styles), page.name  # the style fetches nothing either
        for _, url in links.urls:
            if not url.startswith("#"):
                assert (index.parent / url.split("#", 1)[0]).exists(), f"{page.name} links to a missing {url}"


@pytest.mark.parametrize("service", ["customers", "orders", "notifications"])
def test_each_service_page_lists_every_message_of_its_document(tmp_path: Path, service: str) -> None:
    document = json.loads((default_source() / f"{service}.json").read_text())
    page = _parse(service_page(service, document, [service]))

    assert set(document["components"]["messages"]) <= page.ids
