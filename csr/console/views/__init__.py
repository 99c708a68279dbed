"""How the results of curated commands read: one module per area, each registering renderers
with :func:`csr.console.render.renderer` for the message types whose results it knows. ``csr send`` uses
them too, so a query sent by name reads the same as its curated command."""

from csr.console.views import catalog, credit, customers, orders, servicing

__all__ = ["catalog", "credit", "customers", "orders", "servicing"]
