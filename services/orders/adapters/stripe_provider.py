"""Cards through Stripe's API with the official `stripe` library (MNY-01): stripe-mock in the dev
stack and the tests, Stripe itself in production (``OMS_STRIPE_API_BASE``, ``OMS_STRIPE_API_KEY``).

- A card is tokenized once, when the instruction is added: its number goes to Stripe as a
  PaymentMethod and only the PaymentMethod's id is kept (the instruction's ``token``).
- An authorization is a PaymentIntent confirmed with ``capture_method=manual``: the money is held,
  not taken; ``request_multicapture`` lets each shipment capture its part. A card typed by a CSR is
  a mail/telephone order (``moto``), which the card networks exempt from customer authentication.
- A capture takes part of an intent (``amount_to_capture``; ``final_capture`` false while more is to
  come); a void of the whole cancels the intent; a void of a part asks nothing (the final capture
  releases what it does not take); a refund names the intent.

Every request carries our idempotency key. A decline (card error) is an answer; a connection
failure, a rate limit or a Stripe-side error means "ask again later" (ProviderUnavailable). Once
Stripe answered, the runtime hook ``provider_answered`` (detail: the movement's kind, or
``tokenize``) is reached before anything of it is committed: the reliability harness kills the
service there (reliability/fault_points.py, ``crash_after_provider``) to prove the retry asks again
with the same key.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import stripe

from contracts.iso import minor_units
from services.orders.application.payments import AuthorizeRequest, ProviderAnswer, ProviderUnavailable
from services.runtime import hooks

_TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def minor(amount: Decimal, currency: str) -> int:
    """Stripe counts in the currency's minor unit (cents; yen as they are)."""
    return int((amount * (10 ** minor_units(currency))).to_integral_value())


class StripeProvider:
    name = "stripe"

    def __init__(self, api_base: str, api_key: str) -> None:
        # The library's own retries are off: ours (services/runtime/retry.py) keep the key and count.
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base},
            http_client=stripe.HTTPXClient(),
            max_network_retries=0,
        )

    async def tokenize_card(self, number: str, month: int, year: int, holder: str, key: str) -> ProviderAnswer:
        """The card as a Stripe PaymentMethod, whose id (the answer's reference) is all that is kept."""
        params: Any = {"type": "card", "card": {"number": number, "exp_month": month, "exp_year": year}}
        params["billing_details"] = {"name": holder}
        method = await self._call(self._client.v1.payment_methods.create_async, params, key, "tokenize")
        return method if isinstance(method, ProviderAnswer) else ProviderAnswer("succeeded", str(method.id))

    async def authorize(self, request: AuthorizeRequest, key: str) -> ProviderAnswer:
        card_options: dict[str, Any] = {"request_multicapture": "if_available"}
        if request.moto:
            card_options["moto"] = True
        params: Any = {
            "amount": minor(request.amount, request.currency),
            "currency": request.currency.lower(),
            "payment_method": request.token,
            "payment_method_types": ["card"],
            "capture_method": "manual",
            "confirm": True,
            "payment_method_options": {"card": card_options},
            # Not the order number: a submit redelivered after a crash numbers the order anew (a
            # sequence), and Stripe refuses a key asked again with other parameters.
            "description": f"order {request.order_id}",
            "metadata": {"order_id": str(request.order_id), "payment_id": str(request.payment_id)},
        }
        intent = await self._call(self._client.v1.payment_intents.create_async, params, key, "authorize")
        if isinstance(intent, ProviderAnswer):
            return intent
        if intent.status == "requires_action":  # a MOTO card never should; the customer is not here
            return ProviderAnswer("declined", intent.id, "the card asks for the customer's own authentication")
        # A confirmed manual-capture intent is held (requires_capture); stripe-mock answers a sample
        # status, so any answer that is not a decline counts as the authorization.
        return ProviderAnswer("succeeded", str(intent.id))

    async def capture(
        self, authorization: str, amount: Decimal, currency: str, *, final: bool, key: str
    ) -> ProviderAnswer:
        params: Any = {"amount_to_capture": minor(amount, currency), "final_capture": final}
        intent = await self._call(
            lambda p, options: self._client.v1.payment_intents.capture_async(authorization, p, options),
            params,
            key,
            "capture",
        )
        return intent if isinstance(intent, ProviderAnswer) else ProviderAnswer("succeeded", str(intent.id))

    async def void(
        self, authorization: str, amount: Decimal, currency: str, *, whole: bool, key: str
    ) -> ProviderAnswer:
        if not whole:
            return ProviderAnswer("succeeded", f"{authorization}:released-at-final-capture")
        params: Any = {"cancellation_reason": "requested_by_customer"}
        intent = await self._call(
            lambda p, options: self._client.v1.payment_intents.cancel_async(authorization, p, options),
            params,
            key,
            "void",
        )
        return intent if isinstance(intent, ProviderAnswer) else ProviderAnswer("succeeded", str(intent.id))

    async def refund(self, authorization: str, amount: Decimal, currency: str, *, key: str) -> ProviderAnswer:
        params: Any = {"payment_intent": authorization, "amount": minor(amount, currency)}
        refund = await self._call(self._client.v1.refunds.create_async, params, key, "refund")
        return refund if isinstance(refund, ProviderAnswer) else ProviderAnswer("succeeded", str(refund.id))

    @staticmethod
    async def _call(method: Any, params: Any, key: str, movement: str) -> Any:
        answer: Any
        try:
            answer = await method(params, {"idempotency_key": key})
        except stripe.CardError as exc:
            answer = ProviderAnswer("declined", None, exc.user_message or exc.code or "declined")
        except _TRANSIENT as exc:
            raise ProviderUnavailable(type(exc).__name__) from None
        except stripe.InvalidRequestError as exc:
            # Stripe refused the request itself (an unknown card token, an amount too small):
            # asking again will not help, so it is an answer, kept with Stripe's code.
            answer = ProviderAnswer("declined", None, f"refused by the provider: {exc.code or 'invalid_request'}")
        # Answered, nothing of it committed yet: the window a crash must not turn into a second charge.
        hooks.reached("provider_answered", movement)
        return answer
