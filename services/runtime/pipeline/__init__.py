"""The stages a consumed record goes through, one concern each (services/runtime/dispatch.py
puts them together):

1. ``decoding``: bytes to a typed message and its handler; what cannot be decoded is dead-lettered
   and answered (``dead_letters``); events this service has no handler for are skipped quietly.
2. ``gate``: commands and queries only. Authentication (the access token of the record's
   ``authorization`` header, verified by services/runtime/identity.py) and authorization (the
   token's role against the message's ALLOWED_ROLES, the envelope's actor against the token's).
   From here on the envelope carries the verified actor.
3. ``transaction``: a batch of commands or events in one PostgreSQL transaction with the inbox and
   the outbox, first without savepoints and again with one per message when one is refused.
4. ``duplicates``: a repeated message gets its stored reply again, on the reply topic its copy names.
5. ``failures``: what happens when a stage raises (retry in place, back off, one by one, dead
   letter), with the waits of one ``HandlerRetry``.
"""
