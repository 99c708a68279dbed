"""Which use case answers which message, wired into the runtime: each message is handed to its
use case with a unit of work on the transaction the runtime opened for it."""

from __future__ import annotations

from contracts import customers as c
from contracts.notifications import EmailSentV1
from contracts.orders import (
    OrderCancelledV1,
    OrderChangedV1,
    OrderPlacedV1,
    QuoteSavedV1,
    ReturnCreatedV1,
    ReturnUpdatedV1,
    TrackableItemsFulfilledV1,
)
from services.customers.adapters.deps import CustomersDeps
from services.customers.adapters.postgres.unit_of_work import PostgresUnitOfWork
from services.customers.application import (
    accounts,
    address_book,
    finding,
    logon,
    notes,
    profile,
    registration,
    ticklers,
    timeline,
)
from services.runtime import paging
from services.runtime.handling import Handlers
from services.runtime.unit_of_work import UseCases

__all__ = ["CustomersDeps", "build_handlers"]


def build_handlers() -> Handlers[CustomersDeps]:
    h: Handlers[CustomersDeps] = Handlers()
    u = UseCases(PostgresUnitOfWork)
    # CUS-01, CUS-02, CUS-05, CUS-06
    h.command(c.RegisterCustomerV1)(u(registration.register_customer))
    h.command(c.CreateGuestCustomerV1)(u(registration.create_guest_customer))
    h.command(c.UpdateCustomerProfileV1)(u(profile.update_customer_profile))
    h.command(c.AddAddressV1)(u(address_book.add_address))
    h.command(c.ModifyAddressV1)(u(address_book.modify_address))
    h.command(c.DeleteAddressV1)(u(address_book.delete_address))
    # CUS-07, CUS-08
    h.command(c.AuthenticateCustomerV1)(u(logon.authenticate_customer))
    h.command(c.ReportFailedLogonV1)(u(logon.report_failed_logon))
    h.command(c.EnableCustomerV1)(u(logon.enable_customer))
    h.command(c.ResetPasswordV1)(u(logon.reset_password))
    h.command(c.ChangePasswordV1)(u(logon.change_password))
    # CUS-09, CUS-12, CUS-13
    h.command(c.RecordActivityNoteV1)(u(notes.record_activity_note))
    h.command(c.CreateTicklerV1)(u(ticklers.create_tickler))
    h.command(c.ReassignTicklerV1)(u(ticklers.reassign_tickler))
    h.command(c.CloseTicklerV1)(u(ticklers.close_tickler))
    h.command(c.CreateAccountV1)(u(accounts.create_account))
    # Queries
    h.query(c.GetCustomerV1)(u(profile.get_customer))
    h.query(c.GetProfileChangesV1)(u(profile.get_profile_changes))
    h.query(c.FindCustomersV1)(u(finding.find_customers))
    h.query(c.FindAccountsV1)(u(accounts.find_accounts))
    h.query(c.GetActivityCodesV1)(u(notes.get_activity_codes))
    h.query(c.GetContactHistoryV1)(u(notes.get_contact_history))
    h.query(c.GetCustomerHistoryV1)(u(timeline.get_customer_history))
    h.query(c.ListAssetsV1)(u(timeline.list_assets))
    h.query(c.ListAssetsV2)(u(timeline.list_assets_v2))
    h.query(c.ListTicklersV1)(u(ticklers.list_ticklers))
    h.query(c.GetTicklerHistoryV1)(u(ticklers.get_tickler_history))
    # The common page shape (docs/contract.md): each V2 answered by its V1's use case, reshaped
    h.query(c.FindCustomersV2)(paging.from_has_more(c.FindCustomersV1, u(finding.find_customers), "customers"))
    h.query(c.FindAccountsV2)(paging.from_has_more(c.FindAccountsV1, u(accounts.find_accounts), "accounts"))
    h.query(c.GetProfileChangesV2)(
        paging.from_has_more(c.GetProfileChangesV1, u(profile.get_profile_changes), "changes")
    )
    h.query(c.GetContactHistoryV2)(paging.from_has_more(c.GetContactHistoryV1, u(notes.get_contact_history), "entries"))
    h.query(c.ListTicklersV2)(paging.from_has_more(c.ListTicklersV1, u(ticklers.list_ticklers), "ticklers"))
    h.query(c.GetTicklerHistoryV2)(
        paging.from_has_more(c.GetTicklerHistoryV1, u(ticklers.get_tickler_history), "ticklers")
    )
    # Other services' events: history (CUS-11), assets (CUS-14), contact history (CUS-10)
    h.event(OrderPlacedV1)(u(timeline.on_order_placed))
    h.event(OrderChangedV1)(u(timeline.on_order_changed))
    h.event(OrderCancelledV1)(u(timeline.on_order_cancelled))
    h.event(QuoteSavedV1)(u(timeline.on_quote_saved))
    h.event(ReturnCreatedV1)(u(timeline.on_return_created))
    h.event(ReturnUpdatedV1)(u(timeline.on_return_updated))
    h.event(TrackableItemsFulfilledV1)(u(timeline.on_trackable_items_fulfilled))
    h.event(EmailSentV1)(u(timeline.on_email_sent))
    return h
