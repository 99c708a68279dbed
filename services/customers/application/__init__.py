"""The customers service's use cases, one handler each: load through the unit of work, let the
domain decide, save, emit, answer. No SQL and no Kafka here (unit_of_work.py is the seam)."""
