"""The ``csr`` commands, one module per area. Curated commands are a few lines each: they turn
options into the fields of a contract message and hand it to :meth:`csr.cli.runner.Session.send`,
which validates, seals, sends and shows the reply the same way for every message."""
