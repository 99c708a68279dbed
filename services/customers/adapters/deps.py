"""What every customers handler gets besides the message: settings and the sealing key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from contracts import errors
from contracts.envelope import FieldError
from contracts.sealing import SealingError, open_sealed, public_key_of, seal
from services.customers.adapters.postgres import customers as store
from services.customers.domain.customer import Customer, ProfileChange
from services.customers.settings import CustomersSettings
from services.runtime.handling import Context, Rejected


@dataclass(frozen=True)
class CustomersDeps:
    settings: CustomersSettings
    sealing_key: str | None

    def open_secret(self, sealed: str, field_name: str) -> str:
        if self.sealing_key is None:
            raise Rejected.field(errors.INVALID, field_name, "this service has no sealing key configured")
        try:
            return open_sealed(sealed, self.sealing_key)
        except SealingError as exc:
            # the reply's code stays "invalid"; the field error's code says what is wrong (sealed_*)
            raise Rejected(
                errors.INVALID, str(exc), [FieldError(field=field_name, code=exc.code, message=str(exc))]
            ) from None

    def seal_for_deployment(self, secret: str) -> str:
        """Seal to the deployment's public key (one key pair shared by the services), so only a
        service holding the private key (notifications, to e-mail it) can read it."""
        if self.sealing_key is None:
            raise Rejected(errors.INVALID_STATE, "this service has no sealing key configured")
        return seal(secret, public_key_of(self.sealing_key))


Ctx = Context[CustomersDeps]


async def customer_for_update(ctx: Ctx, customer_id: uuid.UUID, field: str = "payload.customer_id") -> Customer:
    customer = await store.load(ctx.conn, customer_id, for_update=True)
    if customer is None:
        raise Rejected.field(errors.NOT_FOUND, field, f"no customer {customer_id}")
    return customer


async def save_with_change(ctx: Ctx, customer: Customer, change: ProfileChange) -> None:
    """Save the new version of the customer and log who changed what."""
    await store.save(ctx.conn, customer)
    await store.record_change(ctx.conn, customer, change)
