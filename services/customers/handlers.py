"""Which handler answers which message. The handlers themselves are thin: open sealed secrets, ask
the domain, save with the store, emit events."""

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
from services.customers import commands_activity, commands_logon, commands_profile, projections, queries
from services.customers.deps import CustomersDeps
from services.runtime import paging
from services.runtime.handling import Handlers

__all__ = ["CustomersDeps", "build_handlers"]


def build_handlers() -> Handlers[CustomersDeps]:
    h: Handlers[CustomersDeps] = Handlers()
    # CUS-01, CUS-02, CUS-05, CUS-06
    h.command(c.RegisterCustomerV1)(commands_profile.register_customer)
    h.command(c.CreateGuestCustomerV1)(commands_profile.create_guest)
    h.command(c.UpdateCustomerProfileV1)(commands_profile.update_profile)
    h.command(c.AddAddressV1)(commands_profile.add_address)
    h.command(c.ModifyAddressV1)(commands_profile.modify_address)
    h.command(c.DeleteAddressV1)(commands_profile.delete_address)
    # CUS-07, CUS-08
    h.command(c.AuthenticateCustomerV1)(commands_logon.authenticate)
    h.command(c.ReportFailedLogonV1)(commands_logon.report_failed_logon)
    h.command(c.EnableCustomerV1)(commands_logon.enable)
    h.command(c.ResetPasswordV1)(commands_logon.reset_password)
    h.command(c.ChangePasswordV1)(commands_logon.change_password)
    # CUS-09, CUS-12, CUS-13
    h.command(c.RecordActivityNoteV1)(commands_activity.record_note)
    h.command(c.CreateTicklerV1)(commands_activity.create_tickler)
    h.command(c.ReassignTicklerV1)(commands_activity.reassign_tickler)
    h.command(c.CloseTicklerV1)(commands_activity.close_tickler)
    h.command(c.CreateAccountV1)(commands_activity.create_account)
    # Queries
    h.query(c.GetCustomerV1)(queries.get_customer)
    h.query(c.GetProfileChangesV1)(queries.get_profile_changes)
    h.query(c.FindCustomersV1)(queries.find_customers)
    h.query(c.FindAccountsV1)(queries.find_accounts)
    h.query(c.GetActivityCodesV1)(queries.get_activity_codes)
    h.query(c.GetContactHistoryV1)(queries.get_contact_history)
    h.query(c.GetCustomerHistoryV1)(queries.get_customer_history)
    h.query(c.ListAssetsV1)(queries.list_assets)
    h.query(c.ListAssetsV2)(queries.list_assets_v2)
    h.query(c.ListTicklersV1)(queries.list_ticklers)
    h.query(c.GetTicklerHistoryV1)(queries.get_tickler_history)
    # The common page shape (docs/contract.md): each V2 answered by its V1's handler, reshaped
    h.query(c.FindCustomersV2)(paging.from_has_more(c.FindCustomersV1, queries.find_customers, "customers"))
    h.query(c.FindAccountsV2)(paging.from_has_more(c.FindAccountsV1, queries.find_accounts, "accounts"))
    h.query(c.GetProfileChangesV2)(paging.from_has_more(c.GetProfileChangesV1, queries.get_profile_changes, "changes"))
    h.query(c.GetContactHistoryV2)(paging.from_has_more(c.GetContactHistoryV1, queries.get_contact_history, "entries"))
    h.query(c.ListTicklersV2)(paging.from_has_more(c.ListTicklersV1, queries.list_ticklers, "ticklers"))
    h.query(c.GetTicklerHistoryV2)(paging.from_has_more(c.GetTicklerHistoryV1, queries.get_tickler_history, "ticklers"))
    # Other services' events: history (CUS-11), assets (CUS-14), contact history (CUS-10)
    h.event(OrderPlacedV1)(projections.on_order_placed)
    h.event(OrderChangedV1)(projections.on_order_changed)
    h.event(OrderCancelledV1)(projections.on_order_cancelled)
    h.event(QuoteSavedV1)(projections.on_quote_saved)
    h.event(ReturnCreatedV1)(projections.on_return_created)
    h.event(ReturnUpdatedV1)(projections.on_return_updated)
    h.event(TrackableItemsFulfilledV1)(projections.on_trackable_items_fulfilled)
    h.event(EmailSentV1)(projections.on_email_sent)
    return h
