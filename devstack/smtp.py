"""The SMTP sink (devstack.smtp_sink) as a background process of the stack."""

from __future__ import annotations

import os
import smtplib
import sys

from devstack.component import Component
from devstack.ports import HOST, reuse_or_pick
from devstack.procs import ProcessInfo, spawn, terminate


def smtp_answers(port: int) -> bool:
    try:
        # local_hostname avoids a getfqdn() DNS lookup that can stall for seconds.
        with smtplib.SMTP(HOST, port, local_hostname="localhost", timeout=2) as client:
            return client.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


class SmtpSink(Component):
    name = "smtp"

    @property
    def process(self) -> ProcessInfo | None:
        return self.state.smtp.process

    def env(self) -> dict[str, str]:
        port = self.state.smtp.port
        if port is None:
            return {}
        return {
            "OMS_SMTP_HOST": HOST,
            "OMS_SMTP_PORT": str(port),
            "OMS_MAIL_DIR": str(self.paths.mail_dir),
        }

    def is_healthy(self) -> bool:
        port = self.state.smtp.port
        return port is not None and smtp_answers(port)

    def start(self) -> None:
        smtp = self.state.smtp
        smtp.port = reuse_or_pick(smtp.port)
        self.paths.mail_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            sys.executable,
            "-m",
            "devstack.smtp_sink",
            "--host",
            HOST,
            "--port",
            str(smtp.port),
            "--dir",
            str(self.paths.mail_dir),
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        smtp.process = spawn(argv, self.log_path, env=env, cwd=self.paths.root)
        self.wait_healthy(timeout=30.0)

    def stop(self) -> None:
        terminate(self.state.smtp.process, grace=10.0)
        self.state.smtp.process = None
