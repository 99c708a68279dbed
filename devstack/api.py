"""ensure_stack(): the one call tests make to get Kafka, PostgreSQL and SMTP.

Order of preference (see docs/design.md, "Running it"):
1. endpoints given in OMS_* environment variables (CI services, docker compose, ...);
2. a Docker engine, through testcontainers (Kafka and PostgreSQL containers, local SMTP sink);
3. the self-provisioned local stack, reused when already running.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys

from devstack.endpoints import StackEndpoints
from devstack.paths import StackPaths
from devstack.stack import Stack, StackError

MODE_ENV = "OMS_DEVSTACK_MODE"  # auto (default) | local | docker


def docker_answers(timeout: float = 5.0) -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def ensure_stack() -> StackEndpoints:
    given = StackEndpoints.from_env(os.environ)
    if given is not None:
        return given
    mode = os.environ.get(MODE_ENV, "auto")
    if mode == "docker" or (mode == "auto" and docker_answers()):
        from devstack.containers import ensure_container_stack

        return ensure_container_stack(StackPaths.from_env())
    return ensure_local_stack()


async def ensure_stack_async() -> StackEndpoints:
    return await asyncio.to_thread(ensure_stack)


def ensure_local_stack(paths: StackPaths | None = None) -> StackEndpoints:
    paths = paths or StackPaths.from_env()
    stack = Stack(paths)
    if stack.is_up():
        return stack.endpoints()
    # `up` runs in a child process so the servers it starts are re-parented to
    # init when it exits: they outlive this (test) process and never linger
    # as its zombies.
    env = {**os.environ, "OMS_STACK_DIR": str(paths.stack_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "up"],
        cwd=paths.root,
        env=env,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise StackError(f"`python -m devstack up` failed ({result.returncode}); see {paths.logs}")
    return Stack(paths).endpoints()
