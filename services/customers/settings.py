from __future__ import annotations

from services.runtime.settings import ServiceSettings


class CustomersSettings(ServiceSettings):
    service_name: str = "customers"
    lockout_threshold: int = 5  # failed logons before the account locks (CUS-07)
    temporary_password_hours: int = 24  # how long a reset password stays valid (CUS-08)
