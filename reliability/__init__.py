"""Reliability harness: drives load through the real services while injecting faults, then checks
that nothing was lost or applied twice (issue 8, "Faults under load"). Run it with
``uv run python -m reliability.faults``; see README.md, "Faults under load".

It may use contracts, csr and devstack, never services: it talks to the system only as channels,
CSRs and an operator would (Kafka messages, process signals, the stack's own controls), and reads
the databases, topics and SMTP sink afterwards like an auditor.
"""
