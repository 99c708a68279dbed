"""A real local stack (Kafka, PostgreSQL, SMTP sink) without Docker.

    from devstack import ensure_stack
    endpoints = ensure_stack()

Command line: `python -m devstack up | down [--wipe] | status | env | ...`.
"""

from devstack.api import ensure_stack, ensure_stack_async
from devstack.endpoints import StackEndpoints

__all__ = ["StackEndpoints", "ensure_stack", "ensure_stack_async"]
