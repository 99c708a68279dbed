"""Where the local stack keeps its files.

Everything is derived from the project root so a fresh clone works anywhere;
environment variables only override the defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

STACK_DIR_ENV = "OMS_STACK_DIR"
CACHE_DIR_ENV = "OMS_STACK_CACHE"


def project_root() -> Path:
    """The checkout this package lives in (devstack/ sits at the top level)."""
    return Path(__file__).resolve().parent.parent


def _default_cache_root() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "csr-oms"


@dataclass(frozen=True)
class StackPaths:
    """All file locations of one stack; pass it around instead of globals."""

    root: Path
    stack_dir: Path
    cache_root: Path

    @classmethod
    def from_env(cls) -> StackPaths:
        root = project_root()
        stack = os.environ.get(STACK_DIR_ENV)
        cache = os.environ.get(CACHE_DIR_ENV)
        return cls(
            root=root,
            stack_dir=Path(stack).resolve() if stack else root / ".stack",
            cache_root=Path(cache).resolve() if cache else _default_cache_root(),
        )

    @property
    def logs(self) -> Path:
        return self.stack_dir / "logs"

    @property
    def state_file(self) -> Path:
        return self.stack_dir / "stack.json"

    @property
    def env_file(self) -> Path:
        return self.stack_dir / "env"

    @property
    def lock_file(self) -> Path:
        return self.stack_dir / ".lock"

    @property
    def kafka_dir(self) -> Path:
        return self.stack_dir / "kafka"

    @property
    def mail_dir(self) -> Path:
        return self.stack_dir / "mail"

    @property
    def kafka_pom(self) -> Path:
        return self.root / "stack" / "kafka" / "pom.xml"

    @property
    def keycloak_dir(self) -> Path:
        return self.stack_dir / "keycloak"

    @property
    def keycloak_pom(self) -> Path:
        return self.root / "stack" / "keycloak" / "pom.xml"

    @property
    def keycloak_realm_file(self) -> Path:
        return self.root / "stack" / "keycloak" / "csr-oms-realm.json"

    def log(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    def kafka_libs(self, version: str) -> Path:
        return self.cache_root / f"kafka-{version}" / "libs"

    def keycloak_dist(self, version: str) -> Path:
        return self.cache_root / f"keycloak-{version}"

    def ensure_dirs(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
