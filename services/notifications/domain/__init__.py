"""The notifications service's business, pure: which address, language and format an e-mail gets
(rules.py, requests.py), what a CSR may write (drafts.py), how templates are chosen and values
written (rendering.py), what the history keeps (rules.py). No I/O, no runtime; a refusal is a
:class:`contracts.errors.Refused`."""
