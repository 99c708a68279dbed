"""What a running stack remembers between commands: ports, pids, versions.

Kept in `<stack dir>/stack.json`; `<stack dir>/env` is written beside it so
shells (`set -a; . .stack/env`) and other tools can use the endpoints.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

from pydantic import BaseModel, Field

from devstack.procs import ProcessInfo


class KafkaState(BaseModel):
    version: str | None = None
    port: int | None = None
    controller_port: int | None = None
    broker_port: int | None = None  # the brokers' own listener (inter-broker), never for clients
    cluster_id: str | None = None
    process: ProcessInfo | None = None


class PostgresState(BaseModel):
    port: int | None = None
    bindir: str | None = None
    data_dir: str | None = None
    process: ProcessInfo | None = None


class SmtpState(BaseModel):
    port: int | None = None
    process: ProcessInfo | None = None


class StripeMockState(BaseModel):
    port: int | None = None
    process: ProcessInfo | None = None


class KeycloakState(BaseModel):
    version: str | None = None
    port: int | None = None
    process: ProcessInfo | None = None


class ServiceState(BaseModel):
    http_port: int | None = None
    process: ProcessInfo | None = None


class StackState(BaseModel):
    kafka: KafkaState = Field(default_factory=KafkaState)
    postgres: PostgresState = Field(default_factory=PostgresState)
    smtp: SmtpState = Field(default_factory=SmtpState)
    keycloak: KeycloakState = Field(default_factory=KeycloakState)
    stripe_mock: StripeMockState = Field(default_factory=StripeMockState)
    services: dict[str, ServiceState] = Field(default_factory=dict)
    # Derived on save, for readers that do not want to know the layout above.
    env: dict[str, str] = Field(default_factory=dict)
    pids: dict[str, int] = Field(default_factory=dict)


def load_state(path: Path) -> StackState:
    try:
        return StackState.model_validate_json(path.read_text())
    except (OSError, ValueError):
        return StackState()


def _atomic_write(path: Path, text: str) -> None:
    # Readers (tests, other shells) must never see a half-written file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def save_state(state: StackState, state_file: Path, env_file: Path) -> None:
    state_file.parent.mkdir(parents=True, exist_ok=True)
    payload = json.loads(state.model_dump_json())
    _atomic_write(state_file, json.dumps(payload, indent=2, sort_keys=True) + "\n")
    _atomic_write(env_file, render_env(state.env))


def render_env(env: dict[str, str]) -> str:
    return "".join(f"{key}={shlex.quote(value)}\n" for key, value in sorted(env.items()))
