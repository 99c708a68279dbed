"""The outbox relay's lease: one instance of a service publishes its outbox at a time, for a
bounded time, and proves it on every write with a fencing token.

Why a lease and not a lock held by a connection: a frozen holder (SIGSTOP, a stalled VM) keeps a
session lock for as long as its connection lives, and nothing is published meanwhile. A lease ends
by itself ``ttl_s`` after its last renewal, and another instance takes it over then.

What makes a holder that wakes after losing its lease harmless:

- Its clock. The holder counts its tenure from the moment it *sent* the acquire or renew statement
  (``time.monotonic()``, which keeps running while a process is stopped), and PostgreSQL counts the
  same ``ttl_s`` from when it executed it, later. So the holder believes its lease ends no later
  than PostgreSQL lets anyone else take it, and checks that belief right before it hands a batch to
  the producer.
- The fencing token. Every takeover increments ``token``; the relay marks rows published, retried
  or parked in one statement that first locks the lease row and matches the token
  (:func:`services.runtime.outbox.settle`). A woken former holder marks nothing.

What is left, precisely: the records a holder had already handed to its Kafka producer when it was
frozen (at most one batch, ``relay_batch_size`` rows) may reach Kafka after it wakes. The new holder
publishes the same rows itself (they were never marked), with the same message ids and in the same
order per key, so these late copies are duplicates that every consumer's inbox drops, and the first
copy of each message in a partition is still in commit order. Kafka itself cannot check our token,
so no relay can promise less without Kafka transactions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.runtime.db import Connection

OUTBOX = "outbox"


class LeaseLost(Exception):
    """The relay's lease was taken over by another instance: stop publishing."""


@dataclass(frozen=True)
class Lease:
    token: int  # the fencing token of this tenure
    deadline: float  # time.monotonic() after which this instance must not use it any more

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class RelayLease:
    """Acquire, renew and release the lease named ``name`` for ``holder`` (the instance id)."""

    def __init__(self, holder: str, ttl_s: float, name: str = OUTBOX) -> None:
        self.holder = holder
        self.ttl_s = ttl_s
        self.name = name

    async def acquire(self, conn: Connection) -> Lease | None:
        """Take the lease if it is free, expired, or this instance's own (a restarted instance
        with the same id takes it back at once); a new token either way. None: someone holds it."""
        sent = time.monotonic()
        token = await conn.fetchval(
            "UPDATE relay_lease SET holder = $2, token = token + 1, acquired_at = now(),"
            " expires_at = now() + make_interval(secs => $3)"
            " WHERE name = $1 AND (expires_at < now() OR holder = $2) RETURNING token",
            self.name,
            self.holder,
            self.ttl_s,
        )
        return None if token is None else Lease(int(token), sent + self.ttl_s)

    async def renew(self, conn: Connection, lease: Lease) -> Lease:
        """Extend this tenure; :class:`LeaseLost` when another instance has taken over since. An
        expired lease nobody took is still this instance's: its token is unchanged, so nobody else
        published in between."""
        sent = time.monotonic()
        renewed = await conn.fetchval(
            "UPDATE relay_lease SET expires_at = now() + make_interval(secs => $3)"
            " WHERE name = $1 AND token = $2 RETURNING token",
            self.name,
            lease.token,
            self.ttl_s,
        )
        if renewed is None:
            raise LeaseLost(f"the {self.name} lease (token {lease.token}) was taken over")
        return Lease(lease.token, sent + self.ttl_s)

    async def release(self, conn: Connection, lease: Lease) -> None:
        """Give the lease up at a graceful stop, so another instance takes it at its next try."""
        await conn.execute(
            "UPDATE relay_lease SET holder = NULL, expires_at = '-infinity' WHERE name = $1 AND token = $2",
            self.name,
            lease.token,
        )


async def holder(conn: Connection, name: str = OUTBOX) -> tuple[str | None, int, bool]:
    """Who holds the lease, its token, and whether it is still running (for /health and tests)."""
    row = await conn.fetchrow("SELECT holder, token, expires_at > now() AS live FROM relay_lease WHERE name = $1", name)
    assert row is not None  # the migration creates it
    return row["holder"], int(row["token"]), bool(row["live"])
