"""How results read on a terminal (rich): :mod:`csr.console.render` (output, tables that fit the
terminal, JSON for scripts) and :mod:`csr.console.views` (one renderer per result type). Shared by
the command line and the demo's transcript; it sends nothing."""
