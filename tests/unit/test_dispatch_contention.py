"""A batch that loses a lock race is run again in place; one that keeps losing is left to redelivery."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from services.runtime.pipeline.failures import FailurePolicy, HandlerRetry

CONTENTION_ATTEMPTS = HandlerRetry().contention_attempts


class Step:
    """Fails with a deadlock ``losses`` times, then succeeds; counts its runs."""

    def __init__(self, losses: int) -> None:
        self.losses = losses
        self.runs = 0

    async def __call__(self, records: Sequence[Any]) -> None:
        self.runs += 1
        if self.runs <= self.losses:
            raise asyncpg.DeadlockDetectedError("deadlock detected")


def failures() -> FailurePolicy:
    async def never(record: Any, failure: Any) -> None:
        raise AssertionError("nothing is dead-lettered here")

    return FailurePolicy("test", HandlerRetry(), never)


async def test_a_lost_lock_race_is_retried_in_place() -> None:
    step = Step(losses=2)
    await failures().despite_contention(step, ["record"])
    assert step.runs == 3


async def test_a_batch_that_keeps_losing_is_raised_for_redelivery() -> None:
    step = Step(losses=CONTENTION_ATTEMPTS)
    with pytest.raises(asyncpg.DeadlockDetectedError):
        await failures().despite_contention(step, ["record"])
    assert step.runs == CONTENTION_ATTEMPTS


async def test_other_failures_are_not_retried_here() -> None:
    async def broken(records: Sequence[Any]) -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        await failures().despite_contention(broken, ["record"])
