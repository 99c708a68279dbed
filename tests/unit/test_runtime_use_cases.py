"""services.runtime.unit_of_work.UseCases: the one way the three services hand a message to a use
case, with a unit of work made from the message's context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.runtime.unit_of_work import UseCases


@dataclass
class Seen:
    ctx: Any


async def count_lines(uow: Seen, message: list[str]) -> tuple[Any, int]:
    return uow.ctx, len(message)


async def test_each_message_gets_a_unit_of_work_on_its_own_context() -> None:
    u = UseCases(Seen)
    handle = u(count_lines)
    first, second = object(), object()

    assert await handle(first, ["a", "b"]) == (first, 2)  # type: ignore[arg-type]
    assert await handle(second, []) == (second, 0)  # type: ignore[arg-type]
    assert handle.__name__ == "count_lines"  # the use case's name in logs and traces
