"""What the customers service holds for its whole life: settings, the policy they give the rules,
and the sealing key (the deployment's keyring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts import errors
from contracts.errors import Refused
from contracts.sealing import public_key_of, seal
from services.customers.application.unit_of_work import CustomerPolicy
from services.customers.settings import CustomersSettings
from services.runtime.secrets import open_secret


def policy_of(settings: CustomersSettings) -> CustomerPolicy:
    return CustomerPolicy(
        lockout_threshold=settings.lockout_threshold,
        temporary_password_hours=settings.temporary_password_hours,
        activity_codes=settings.activity_codes,
        result_codes=settings.result_codes,
    )


@dataclass(frozen=True)
class CustomersDeps:
    settings: CustomersSettings
    sealing_key: str | None
    policy: CustomerPolicy = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "policy", policy_of(self.settings))

    def open(self, sealed: str, field_name: str) -> str:
        return open_secret(self.sealing_key, sealed, field_name)

    def seal_for_deployment(self, secret: str) -> str:
        """Seal to the deployment's public key (one key pair shared by the services), so only a
        service holding the private key (notifications, to e-mail it) can read it."""
        if self.sealing_key is None:
            raise Refused(errors.INVALID_STATE, "this service has no sealing key configured")
        return seal(secret, public_key_of(self.sealing_key))
