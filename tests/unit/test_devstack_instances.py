"""devstack's names for several instances of a service (``up --services --instances N``)."""

from __future__ import annotations

from devstack.paths import StackPaths
from devstack.services import Service, instance_names, split_instance
from devstack.state import StackState


def test_the_first_instance_keeps_the_service_name_and_the_others_are_numbered() -> None:
    assert instance_names("orders", 3) == ["orders", "orders-2", "orders-3"]
    assert instance_names("orders", 1) == ["orders"]
    assert split_instance("orders-2") == ("orders", 2)
    assert split_instance("orders") == ("orders", 1)
    assert split_instance("not-a-service-2") == ("not-a-service-2", 1)


def test_each_instance_runs_its_service_under_an_id_of_its_own() -> None:
    paths, state = StackPaths.from_env(), StackState()
    second = Service.python_module(paths, state, "orders-2", {})
    first = Service.python_module(paths, state, "orders", {})
    assert second.argv[-1] == first.argv[-1] == "services.orders"
    assert (first.service_name, first.instance_id) == ("orders", "orders-1")
    assert (second.service_name, second.instance_id) == ("orders", "orders-2")
    second.record.http_port = 8102
    assert second.env() == {"OMS_ORDERS_2_URL": "http://127.0.0.1:8102"}
