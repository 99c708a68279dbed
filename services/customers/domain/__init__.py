"""The customers service's business, pure: the customer as a frozen value whose functions decide a
change and return the new value with its events, the address book, ticklers, passwords, the
history drawn from other services' events, and the search criteria. No I/O, no runtime; a refusal
is a :class:`contracts.errors.Refused`."""
