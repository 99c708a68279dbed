"""Stripe's own API mock (github.com/stripe/stripe-mock) as a background process of the stack.

The orders service's card provider talks to it instead of Stripe (OMS_STRIPE_API_BASE). It keeps no
state: every answer is a sample built from Stripe's OpenAPI description, checked against the request's
parameters, so the payment state machine and its ledger stay ours. scripts/bootstrap.sh installs the
binary (`go install`) into the cache's bin/; one on PATH is used otherwise.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path

from devstack.component import Component
from devstack.ports import HOST, reuse_or_pick
from devstack.procs import ProcessInfo, StartupError, spawn, terminate

VERSION = "v0.203.0"
"""The version scripts/bootstrap.sh installs (keep the two equal)."""
TEST_KEY = "sk_test_123"
"""stripe-mock accepts any key that looks like a test key; this one is the one its documentation uses."""


def stripe_mock_binary(cache_root: Path) -> Path | None:
    installed = cache_root / "bin" / "stripe-mock"
    if installed.exists():
        return installed
    found = shutil.which("stripe-mock")
    return Path(found) if found else None


def mock_answers(port: int) -> bool:
    """A real API round trip: listing charges with the test key answers 200."""
    request = urllib.request.Request(
        f"http://{HOST}:{port}/v1/charges", headers={"Authorization": f"Bearer {TEST_KEY}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - loopback only
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


class StripeMock(Component):
    name = "stripe-mock"

    @property
    def process(self) -> ProcessInfo | None:
        return self.state.stripe_mock.process

    def env(self) -> dict[str, str]:
        port = self.state.stripe_mock.port
        if port is None:
            return {}
        return {"OMS_STRIPE_API_BASE": f"http://{HOST}:{port}", "OMS_STRIPE_API_KEY": TEST_KEY}

    def is_healthy(self) -> bool:
        port = self.state.stripe_mock.port
        return port is not None and mock_answers(port)

    def start(self) -> None:
        binary = stripe_mock_binary(self.paths.cache_root)
        if binary is None:
            raise StartupError(
                f"stripe-mock is not installed (looked in {self.paths.cache_root / 'bin'} and on PATH):"
                " run scripts/bootstrap.sh"
            )
        mock = self.state.stripe_mock
        mock.port = reuse_or_pick(mock.port)
        # HTTPS cannot be switched off when HTTP is given as an address, and by default it listens on
        # every interface at 12112 (a second stack would collide): it goes to a loopback port the
        # system picks, and nobody uses it.
        argv = [str(binary), "-http-addr", f"{HOST}:{mock.port}", "-https-addr", f"{HOST}:"]
        mock.process = spawn(argv, self.log_path, cwd=self.paths.root)
        self.wait_healthy(timeout=30.0)

    def stop(self) -> None:
        terminate(self.state.stripe_mock.process, grace=5.0)
        self.state.stripe_mock.process = None
