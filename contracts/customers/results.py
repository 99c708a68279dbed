"""What an accepted command of the customers service answers (a reply's ``result``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from contracts.customers.values import CustomerStatus, LogonOutcome, TicklerStatus, _Result


class CustomerIdResult(_Result):
    customer_id: uuid.UUID
    version: int = 1


# --- address book (CUS-06) ----------------------------------------------------------------------


class AddressResult(_Result):
    customer_id: uuid.UUID
    address_id: uuid.UUID
    version: int


# --- logon, lock-out and passwords (CUS-07, CUS-08) ----------------------------------------------


class LogonResult(_Result):
    customer_id: uuid.UUID
    outcome: LogonOutcome
    must_change_password: bool
    failed_logons: int
    status: CustomerStatus


class PasswordResetResult(_Result):
    """Deliberately without the temporary password: it reaches the customer only by e-mail."""

    customer_id: uuid.UUID
    expires_at: datetime
    version: int


# --- notes and contact history (CUS-09, CUS-10) --------------------------------------------------


class NoteResult(_Result):
    customer_id: uuid.UUID
    note_id: uuid.UUID


# --- ticklers (CUS-12) ---------------------------------------------------------------------------


class TicklerResult(_Result):
    tickler_id: uuid.UUID
    customer_id: uuid.UUID
    status: TicklerStatus
    version: int


# --- accounts (CUS-13) ---------------------------------------------------------------------------


class AccountResult(_Result):
    account_id: uuid.UUID
    account_number: str
