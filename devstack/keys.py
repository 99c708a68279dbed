"""The development stack's sealing key pair (see contracts/sealing.py).

Services open sealed secrets with the private key; clients seal with the public one. A real
deployment provides its own key through OMS_SEALING_KEY_FILE; this pair is for local use only.
"""

from __future__ import annotations

import os

from contracts.sealing import generate_private_key, public_key_of
from devstack.paths import StackPaths


def ensure_sealing_keys(paths: StackPaths) -> dict[str, str]:
    keys = paths.stack_dir / "keys"
    private, public = keys / "sealing.key", keys / "sealing.pub"
    if not private.exists():
        keys.mkdir(parents=True, exist_ok=True)
        key = generate_private_key()
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
        public.write_text(public_key_of(key) + "\n")
    return {"OMS_SEALING_KEY_FILE": str(private), "OMS_SEALING_PUBLIC_KEY_FILE": str(public)}
