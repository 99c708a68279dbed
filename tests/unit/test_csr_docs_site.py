"""The AsyncAPI pages' HTML, without a browser: the embedded document cannot break out of its
script element, and the index lists every topic with its messages."""

from __future__ import annotations

import json
import re

from csr.docs_site import index_page, message_names, service_page

DOCUMENT = {
    "asyncapi": "3.0.0",
    "info": {"title": "CSR OMS shop service", "version": "1", "description": "Sells <b>things</b></script>"},
    "channels": {
        "shop.commands": {
            "address": "shop.commands",
            "messages": {"SubscribeMessage": {"$ref": "#/components/messages/shop.commands:SubscribeMessage"}},
        },
        "shop.events -> other": {
            "address": "shop.events",
            "messages": {"Message": {"$ref": "#/components/messages/shop.events%20-%3E%20other:Message"}},
        },
    },
    "components": {
        "messages": {
            "shop.commands:SubscribeMessage": {"payload": {"$ref": "#/components/schemas/BuyV1Envelope"}},
            "shop.events -> other:Message": {"payload": {"$ref": "#/components/schemas/shop.events:Payload"}},
        },
        "schemas": {
            "BuyV1Envelope": {"type": "object"},
            "shop.events:Payload": {
                "anyOf": [
                    {"$ref": "#/components/schemas/BoughtV1Envelope"},
                    {"$ref": "#/components/schemas/PaidV1Envelope"},
                ]
            },
        },
    },
}


def test_message_names_follow_references_and_unions() -> None:
    assert message_names(DOCUMENT) == {"shop.commands": ["BuyV1"], "shop.events": ["BoughtV1", "PaidV1"]}


def test_the_embedded_document_cannot_end_its_script_element() -> None:
    page = service_page("shop", json.dumps(DOCUMENT), ["shop"])

    embedded = re.search(r'<script id="asyncapi-document" type="application/json">(.*?)</script>', page, re.S)
    assert embedded is not None
    assert json.loads(embedded.group(1)) == DOCUMENT  # the same document once parsed
    assert "</script>" not in embedded.group(1) and "<b>" not in embedded.group(1)
    assert '<script src="assets/asyncapi-standalone.js">' in page and "https://" not in page


def test_the_index_lists_topics_and_escapes_descriptions() -> None:
    page = index_page({"shop": DOCUMENT})

    assert '<a href="shop.html">CSR OMS shop service</a>' in page
    assert "<code>shop.events</code></td><td><code>BoughtV1</code>, <code>PaidV1</code>" in page
    assert "Sells &lt;b&gt;things&lt;/b&gt;&lt;/script&gt;" in page
