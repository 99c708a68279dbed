"""Settings that make the services under test quicker to settle, without changing what they do."""

from __future__ import annotations

# A (re)started service's consumers join their group one subscriber at a time, each join a
# rebalance the other members hear of at their next heartbeat (3 s by default): with 500 ms the
# service has all its partitions seconds sooner. A killed service's members are dropped after the
# session timeout (10 s by default; 6 s is the least the broker allows).
QUICK_REBALANCE = {"OMS_KAFKA_HEARTBEAT_INTERVAL_MS": "500", "OMS_KAFKA_SESSION_TIMEOUT_MS": "6000"}
