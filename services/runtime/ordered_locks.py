"""Locks a transaction takes in ONE global order, so that any number of transactions holding some
of them (batches of several instances, a service's subscribers side by side) cannot deadlock.

Why sorting inside one message is not enough: a batch of up to ``OMS_CONSUME_BATCH_SIZE`` messages
is one transaction, and every lock it takes is held until it commits. A batch whose first order
locks product ``b`` and whose second locks ``a`` holds ``b`` while it waits for ``a``; another
instance's batch that did it the other way round waits for ``b``: a deadlock, however well each
message sorts its own products. PostgreSQL breaks it only after ``deadlock_timeout`` and the more
instances, the more often it happens.

The rule kept here: a transaction WAITS only for a key greater than every key it holds. Such waits
cannot form a cycle (each transaction in it would wait for a greater key than the previous holds,
round to itself). A key below the greatest one held is only *tried*
(``pg_try_advisory_xact_lock``: granted at once or not at all, never waiting); when another
transaction has it, :class:`OutOfOrder` is raised and what that message did is rolled back (its
savepoint; in the pipeline's trusting pass, which has none, the whole transaction). The pipeline
then cuts the batch before the message that wanted it: the messages before it commit, and it
begins the next transaction, holding nothing, so it may wait for its keys in order. When the
batch's first message wanted a key out of order (its handler took keys in two steps), the batch
runs again with that message's keys taken first (services/runtime/pipeline/transaction.py). Each
round commits a message or learns a key, so this ends.

The locks are transaction-level advisory locks in the two-key form ``(space, key)``: ``space``
names what is locked (a product's stock, a customer), ``key`` is a 32-bit hash of its id (two ids
with one hash share a lock: more waiting, never less safety). The row locks under them
(``SELECT ... FOR UPDATE``, ``UPDATE``) are then taken only by the transaction holding the key, so
they never wait on one another. Like every lock, a wait here ends after ``OMS_PG_LOCK_TIMEOUT_MS``.

Which transaction a store function is in comes from the context (:func:`transaction`, set by the
pipeline around a batch); a connection the pipeline did not open (a background worker) gets a set
of its own for the one call, which takes its keys sorted.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Iterable
from contextvars import ContextVar

from services.runtime.db import Connection

Key = tuple[int, int]  # (space, key) of a two-key advisory lock


def key(space: int, name: str) -> Key:
    """The lock of ``name`` (a SKU, a customer id) in ``space``: a stable hash, the same in every
    process (Python's ``hash`` is salted per process)."""
    digest = hashlib.blake2b(name.encode(), digest_size=4).digest()
    return space, int.from_bytes(digest, "big", signed=True)


class OutOfOrder(Exception):
    """A key below the greatest held was taken by another transaction: roll back, and run again
    with ``keys`` (everything this run held or wanted) taken first, in order."""

    def __init__(self, keys: frozenset[Key]) -> None:
        super().__init__(f"a lock wanted out of order is taken ({len(keys)} keys to take first next time)")
        self.keys = keys


_WAIT = "SELECT pg_advisory_xact_lock(u.space, u.key) FROM unnest($1::int[], $2::int[]) AS u(space, key)"
_TRY = (
    "SELECT count(*) FILTER (WHERE NOT pg_try_advisory_xact_lock(u.space, u.key))"
    " FROM unnest($1::int[], $2::int[]) AS u(space, key)"
)


class TransactionLocks:
    """The keys one transaction holds, and the rule above for taking more."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.held: set[Key] = set()
        self.top: Key | None = None  # the greatest key held

    async def take(self, keys: Iterable[Key]) -> None:
        wanted = sorted(set(keys) - self.held)
        if not wanted:
            return
        top = self.top
        early = [k for k in wanted if top is not None and k < top]
        late = [k for k in wanted if top is None or k > top]
        if early:
            refused = await self.conn.fetchval(_TRY, [k[0] for k in early], [k[1] for k in early])
            if refused:
                raise OutOfOrder(frozenset(self.held | set(wanted)))
            self.held.update(early)
        if late:
            # unnest yields the (sorted) array in order, and the locks are taken row by row: in order.
            await self.conn.execute(_WAIT, [k[0] for k in late], [k[1] for k in late])
            self.held.update(late)
            self.top = late[-1]


_CURRENT: ContextVar[TransactionLocks | None] = ContextVar("oms_transaction_locks", default=None)


@contextlib.asynccontextmanager
async def transaction(conn: Connection) -> AsyncIterator[TransactionLocks]:
    """The lock set of the transaction on ``conn`` for the code run inside (one asyncio task).
    Asynchronous only to sit in the same ``async with`` as the transaction it belongs to."""
    locks = TransactionLocks(conn)
    token = _CURRENT.set(locks)
    try:
        yield locks
    finally:
        _CURRENT.reset(token)


def of(conn: Connection) -> TransactionLocks:
    """The lock set of the transaction ``conn`` is in, or one for this call only."""
    locks = _CURRENT.get()
    return locks if locks is not None and locks.conn is conn else TransactionLocks(conn)


async def take(conn: Connection, keys: Iterable[Key]) -> None:
    await of(conn).take(keys)
