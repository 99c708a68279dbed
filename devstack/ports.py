"""Loopback ports: pick free ones, probe whether something listens."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def is_listening(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Servers bind with SO_REUSEADDR, so leftover TIME_WAIT connections of
        # a just-stopped server do not stop them from taking the port again.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def reuse_or_pick(previous: int | None, *taken: int | None) -> int:
    """Keep a component's previous port across restarts when still free.

    Stable ports keep already-exported endpoints valid; a new port is picked
    only when another program took the old one meanwhile.
    """
    if previous is not None and previous not in taken and is_free(previous):
        return previous
    while True:
        port = free_port()
        if port not in taken:
            return port
