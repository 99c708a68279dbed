from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from services.runtime.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    service_name: str = "notifications"
    # SMTP (NTF-05)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_validate_certs: bool = True
    smtp_cert_bundle: Path | None = None  # CA file for a server with a private certificate
    smtp_timeout_s: float = 10.0
    smtp_helo_name: str = "csr-oms.example.com"  # never socket.getfqdn(): it can hang without DNS
    mail_from: str = "Customer Service <service@example.com>"
    message_id_domain: str = "csr-oms.example.com"
    max_send_attempts: int = 8
    retry_base_s: float = 2.0
    retry_max_s: float = 300.0
    delivery_concurrency: int = 8  # also the SMTP connections kept open between e-mails
    # What happens to an e-mail whose SMTP conversation may have delivered it (the service died, or
    # no answer came after the message was transmitted): sent again with the same Message-ID
    # (at-least-once; mail systems fold the copies), or marked 'uncertain' for a CSR (at-most-once).
    email_delivery: Literal["at-least-once", "at-most-once"] = "at-least-once"
    # A row 'sending' for longer than this has lost its sender (a crash of another instance, or of
    # this one while it could not record): it is settled as the rule above says.
    sending_lease_s: float = Field(default=120.0, gt=0)
    # Content (NTF-02, NTF-03, NTF-07)
    default_email_format: Literal["text", "html"] = "html"
    default_language: str = "en"
    templates_dir: Path | None = None  # overrides: files here win over the built-in templates
    max_body_chars: int = Field(default=100_000, ge=1)
    # History (NTF-06): bodies deleted after this many days, metadata kept
    body_retention_days: int = Field(default=90, ge=0)
    retention_interval_s: float = 3600.0
