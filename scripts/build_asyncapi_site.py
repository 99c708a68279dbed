"""Build the AsyncAPI web pages into build/asyncapi/ (``make docs-site``; ``csr docs --serve``
builds and serves them): static HTML rendered in Python, nothing fetched. See csr/docs_site.py."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csr.client.errors import UsageError  # noqa: E402
from csr.docs_site import build_site  # noqa: E402

if __name__ == "__main__":
    try:
        index = build_site()
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"built {index}")
