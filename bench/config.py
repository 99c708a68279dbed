"""What a run does; every field is a command-line flag (``python -m bench --help``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Config:
    duration_s: float = 60.0  # each measured phase, after its warm-up
    warmup_s: float = 15.0
    customers: int = 100_000
    orders: int = 1_000_000
    out: Path = Path("build/bench")
    in_flight: int = 64  # closed loop: orders awaiting their reply at any time
    channels: int = 4  # channel clients (each its own Kafka producer and reply topic)
    csr_sessions: int = 4
    think_s: float = 0.2  # a CSR's pause between steps (uniform 0.5x..1.5x)
    half_load: bool = True  # second phase: open loop at half the measured maximum
    ceiling_messages: int = 20_000
    probes: int = 300  # find customer / find order queries, one at a time, without load
    profile: bool = False  # py-spy record of the orders service during the max phase
    email_drain_s: float = 60.0  # after a phase, how long to wait for the last e-mails
    orders_instances: int = 1  # instances of the orders service, in one consumer group
    # Instead of the max and half phases: one max phase per count of orders instances, side by
    # side in this one run on the same data (instances added or stopped between phases).
    scaling: tuple[int, ...] = ()

    @classmethod
    def quick(cls, **overrides: object) -> Config:
        small = {"customers": 10_000, "orders": 100_000, "ceiling_messages": 5_000, "probes": 100}
        return cls(**{**small, **overrides})  # type: ignore[arg-type]
