"""The broker's cluster id: `kafka-storage format --cluster-id` must never see one that looks like an option."""

from __future__ import annotations

import uuid

import pytest

from devstack import kafka


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0xF8 encodes to "-" as the first base64url character: the first draw must be thrown away.
    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=b"\x10" + bytes(15))])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))  # devstack.kafka calls uuid.uuid4()

    cluster_id = kafka.new_cluster_id()

    assert cluster_id == "EAAAAAAAAAAAAAAAAAAAAA"
    assert len(cluster_id) == 22
