"""``csr demo``: a scripted phone call against the running system, printed as a transcript.

:mod:`csr.demo.call` is the transcript engine (``Call``, ``Scene``), :mod:`csr.demo.scenes` the
call itself, :mod:`csr.demo.run` plays the scenes. The demo drives fulfilment with the simulator
(``fulfilment_sim``), which depends only on the client library."""
