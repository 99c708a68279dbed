"""Where the csr client finds the system, and who the agent is.

From ``OMS_*`` environment variables; when they are absent, from the local development stack's
``.stack/env`` file (written by ``python -m devstack up``), so ``make demo`` needs no setup.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from contracts.envelope import Actor, Role


def _stack_env() -> dict[str, str]:
    stack_dir = Path(os.environ.get("OMS_STACK_DIR", Path.cwd() / ".stack"))
    env_file = stack_dir / "env"
    if not env_file.exists():
        return {}
    pairs = (line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


@dataclass(frozen=True)
class ClientConfig:
    kafka_bootstrap: str
    topic_prefix: str
    sealing_public_key: str | None
    mail_dir: Path | None
    actor: Actor
    timeout: float

    @classmethod
    def load(cls, agent_id: str | None = None, role: str | None = None, timeout: float | None = None) -> ClientConfig:
        env = {**_stack_env(), **os.environ}
        key_file = env.get("OMS_SEALING_PUBLIC_KEY_FILE")
        mail_dir = env.get("OMS_MAIL_DIR")
        return cls(
            kafka_bootstrap=env.get("OMS_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
            topic_prefix=env.get("OMS_TOPIC_PREFIX", ""),
            sealing_public_key=Path(key_file).read_text().strip() if key_file and Path(key_file).exists() else None,
            mail_dir=Path(mail_dir) if mail_dir else None,
            actor=Actor(
                agent_id=agent_id or env.get("OMS_AGENT_ID", "csr-demo"),
                role=Role(role or env.get("OMS_ROLE", "csr")),
            ),
            timeout=timeout or float(env.get("OMS_REPLY_TIMEOUT_S", "15")),
        )
