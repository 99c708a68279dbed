"""The benchmark's scaling mode: its flag and its side-by-side rows (the runs themselves need the
stack: `python -m bench --scaling 1,2,3`)."""

from __future__ import annotations

import argparse

import pytest

from bench import cli, report


def test_scaling_takes_a_list_of_instance_counts() -> None:
    assert cli.parse(["--quick", "--scaling", "1,2,3"]).scaling == (1, 2, 3)
    assert cli.parse(["--quick"]).scaling == ()
    with pytest.raises(argparse.ArgumentTypeError):
        cli._counts("0,2")


def test_a_scaling_row_adds_up_every_orders_instance_and_nothing_else() -> None:
    phase = {
        "orders_per_s": 48.0,
        "orders_lock_order_reruns": 12.0,
        "processes": {
            "orders": {"cpu_ms_per_order": 4.0},
            "orders-2": {"cpu_ms_per_order": 5.0},
            "notifications": {"cpu_ms_per_order": 3.0},
            "postgres": {"cpu_ms_per_order": 6.0},
        },
    }
    row = report._scaling_row("instances-2", phase)
    assert row["orders_instances"] == 2
    assert row["orders_cpu_ms_per_order"] == 9.0
    assert row["orders_cpu_ms_per_order_each"] == [4.0, 5.0]
    assert row["postgres_cpu_ms_per_order"] == 6.0
    assert row["lock_order_cuts"] == 12.0
    assert "| 2 | 48.0 |" in "\n".join(report._scaling_table([row]))
    assert report._scaling_row("instances-1-round-4", phase)["orders_instances"] == 1
