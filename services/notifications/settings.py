from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from services.runtime.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    service_name: str = "notifications"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = 10.0
    mail_from: str = "Customer Service <service@example.com>"
    message_id_domain: str = "csr-oms.example.com"
    default_email_format: Literal["text", "html"] = "html"  # NTF-07
    default_language: str = "en"
    templates_dir: Path | None = None  # overrides: files here win over the built-in templates
    max_send_attempts: int = 8
    retry_base_s: float = 2.0
    retry_max_s: float = 300.0
    body_retention_days: int = 90  # NTF-06: bodies deleted after this many days, metadata kept
    delivery_concurrency: int = 4
