"""The global lock order (services/runtime/ordered_locks.py): a transaction waits only for keys
above every key it holds; a key below is tried without waiting, and one another transaction holds
sends the batch round again (services/runtime/pipeline/transaction.py)."""

from __future__ import annotations

from typing import Any

import pytest

from services.runtime import ordered_locks
from services.runtime.ordered_locks import Key, OutOfOrder, TransactionLocks
from services.runtime.pipeline import transaction
from services.runtime.pipeline.transaction import Committed, Transactions
from services.runtime.settings import ServiceSettings


class Conn:
    """Records the keys waited for and tried; ``busy`` keys are held by another transaction."""

    def __init__(self, busy: set[Key] | None = None) -> None:
        self.busy = busy or set()
        self.waited: list[Key] = []
        self.tried: list[Key] = []

    async def execute(self, sql: str, spaces: list[int], keys: list[int]) -> None:
        assert "pg_advisory_xact_lock" in sql and "try" not in sql
        self.waited += list(zip(spaces, keys, strict=True))

    async def fetchval(self, sql: str, spaces: list[int], keys: list[int]) -> int:
        assert "pg_try_advisory_xact_lock" in sql
        wanted = list(zip(spaces, keys, strict=True))
        self.tried += wanted
        return sum(1 for k in wanted if k in self.busy)


def locks(conn: Conn) -> TransactionLocks:
    return TransactionLocks(conn)  # type: ignore[arg-type]


async def test_keys_are_waited_for_in_order_and_once() -> None:
    conn = Conn()
    held = locks(conn)
    await held.take([(1, 30), (1, 10), (1, 20), (1, 10)])
    await held.take([(1, 40), (1, 20)])  # 20 is held: only 40, above every key held, is waited for
    assert conn.waited == [(1, 10), (1, 20), (1, 30), (1, 40)]
    assert conn.tried == []


async def test_a_key_below_the_greatest_held_is_only_tried() -> None:
    conn = Conn()
    held = locks(conn)
    await held.take([(1, 20)])
    await held.take([(1, 10), (1, 30)])
    assert conn.tried == [(1, 10)]  # never waited for: it could close a cycle
    assert conn.waited == [(1, 20), (1, 30)]
    assert held.held == {(1, 10), (1, 20), (1, 30)}


async def test_a_key_below_held_by_another_transaction_sends_the_batch_round_again() -> None:
    conn = Conn(busy={(1, 10)})
    held = locks(conn)
    await held.take([(1, 20)])
    with pytest.raises(OutOfOrder) as out:
        await held.take([(1, 10), (1, 30)])
    assert out.value.keys == {(1, 10), (1, 20), (1, 30)}  # all taken first, in order, next time
    assert conn.waited == [(1, 20)]  # nothing waited for after the refusal


async def test_spaces_order_before_keys() -> None:
    conn = Conn()
    await locks(conn).take([(2, -5), (1, 99)])
    assert conn.waited == [(1, 99), (2, -5)]


def test_keys_are_stable_32_bit_hashes() -> None:
    space, value = ordered_locks.key(6_171, "SKU-1")
    assert space == 6_171 and -(2**31) <= value < 2**31
    assert ordered_locks.key(6_171, "SKU-1") == (space, value)  # the same in every process
    assert ordered_locks.key(6_171, "SKU-2") != (space, value)


async def test_the_pipeline_transaction_is_found_by_its_connection() -> None:
    conn, other = Conn(), Conn()
    async with ordered_locks.transaction(conn) as current:  # type: ignore[arg-type]
        assert ordered_locks.of(conn) is current  # type: ignore[arg-type]
        assert ordered_locks.of(other) is not current  # type: ignore[arg-type]
    assert ordered_locks.of(conn) is not current  # type: ignore[arg-type]


class Handle:
    """Stands in for one transaction over the items: message ``cut_at`` of the first ``held`` runs
    wants a lock out of order that another transaction holds. Without savepoints that rolls the
    transaction back; with them, the messages before it commit and the batch is cut there."""

    def __init__(self, cut_at: int, held: int = 1) -> None:
        self.cut_at = cut_at
        self.held = held
        self.runs: list[tuple[list[Any], bool, frozenset[Key]]] = []

    async def __call__(self, items: list[Any], savepoints: bool, first: frozenset[Key]) -> transaction._Round:
        self.runs.append((items, savepoints, first))
        if len(self.runs) <= self.held:
            if not savepoints or self.cut_at == 0:
                raise transaction._OutOfOrderAt(self.cut_at, frozenset({(1, 1)}))
            prefix = items[: self.cut_at]
            return transaction._Round(Committed(handled=[(i, "accepted", None) for i in prefix]), self.cut_at)
        return transaction._Round(Committed(handled=[(item, "accepted", None) for item in items]))


def transactions() -> Transactions[None]:
    return Transactions(ServiceSettings(service_name="locks_probe"), None, None, None, None)  # type: ignore[arg-type]


async def test_a_batch_is_cut_before_the_message_that_wanted_a_lock_out_of_order() -> None:
    handle = Handle(cut_at=2, held=2)
    batch: list[Any] = ["a", "b", "c", "d"]  # stand-ins for the batch's items
    committed = await transactions()._in_lock_order(handle, batch, frozenset())
    # The trusting pass is rolled back; handled again with savepoints, the messages before the cut
    # commit and the message that wanted the lock starts the next transaction, holding nothing.
    assert [(items, savepoints) for items, savepoints, _ in handle.runs] == [
        (["a", "b", "c", "d"], False),
        (["a", "b", "c", "d"], True),
        (["c", "d"], True),
    ]
    assert [e for e, _, _ in committed.handled] == batch


async def test_once_contended_a_cut_handles_no_message_twice() -> None:
    handle = Handle(cut_at=2, held=1)
    tx = transactions()
    tx.contention.seen()  # a cut was seen lately: another instance holds some of the same keys
    batch: list[Any] = ["a", "b", "c", "d"]
    committed = await tx._in_lock_order(handle, batch, frozenset())
    assert [(items, savepoints) for items, savepoints, _ in handle.runs] == [
        (["a", "b", "c", "d"], True),
        (["c", "d"], True),
    ]
    assert [e for e, _, _ in committed.handled] == batch
    assert tx.contention.now()


async def test_a_service_alone_keeps_the_trusting_pass() -> None:
    handle = Handle(cut_at=0, held=0)
    tx = transactions()
    batch: list[Any] = ["a"]
    await tx._in_lock_order(handle, batch, frozenset())
    assert [savepoints for _, savepoints, _ in handle.runs] == [False]
    assert not tx.contention.now()


async def test_a_first_message_out_of_order_runs_again_with_its_keys_taken_first() -> None:
    handle = Handle(cut_at=0)
    batch: list[Any] = ["a", "b"]
    await transactions()._in_lock_order(handle, batch, frozenset())
    assert [(items, first) for items, _, first in handle.runs] == [
        (["a", "b"], frozenset()),
        (["a", "b"], frozenset({(1, 1)})),
    ]
