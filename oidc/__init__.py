"""OAuth 2.0 / OpenID Connect client side shared by the services, devstack and the tooling.

Depends on nothing of ours, so services (runtime), front ends, devstack, the benchmark and the
reliability harness may all use it without seeing each other's internals.
"""
