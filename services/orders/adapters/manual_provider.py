"""The invoice (manual) method as a provider (MNY-01): nothing is asked of anyone at the moment of
the movement. An invoice is "authorized" when the order is accepted on the account's terms, a
capture is what the invoice will bill, a void or a refund is what a credit note will give back;
finance carries them out from the ledger and the PaymentMovementV1 events. The reference is the
idempotency key, so a repeated movement names itself the same. It also serves what follows on an
authorization an outside card system reported (RecordPaymentResultV1).
"""

from __future__ import annotations

from decimal import Decimal

from services.orders.application.payments import AuthorizeRequest, ProviderAnswer


class ManualProvider:
    name = "manual"

    async def authorize(self, request: AuthorizeRequest, key: str) -> ProviderAnswer:
        return ProviderAnswer("succeeded", f"manual-{key}")

    async def capture(
        self, authorization: str, amount: Decimal, currency: str, *, final: bool, key: str
    ) -> ProviderAnswer:
        return ProviderAnswer("succeeded", f"manual-{key}")

    async def void(
        self, authorization: str, amount: Decimal, currency: str, *, whole: bool, key: str
    ) -> ProviderAnswer:
        return ProviderAnswer("succeeded", f"manual-{key}")

    async def refund(self, authorization: str, amount: Decimal, currency: str, *, key: str) -> ProviderAnswer:
        return ProviderAnswer("succeeded", f"manual-{key}")
