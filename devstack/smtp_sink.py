"""An SMTP server that keeps every message it accepts, for tests and people.

Each message becomes `<mail dir>/<UTC time>-<sequence>.eml`, and a JSON line
in `index.jsonl` describes it. Faults are injected through `control.json`
(see devstack.smtp_control).

    python -m devstack.smtp_sink --host 127.0.0.1 --port 2525 --dir .stack/mail
"""

from __future__ import annotations

import argparse
import asyncio
import email.errors
import email.header
import email.parser
import email.policy
import json
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from devstack.smtp_control import FaultStage, read_control, use_rule

INDEX_FILE = "index.jsonl"
REJECTED_FILE = "rejected.jsonl"
# A fixed name: the default, socket.getfqdn(), can hang for seconds without DNS.
SERVER_NAME = "devstack-smtp-sink"


def _append_line(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _headers(raw: bytes, **names: str) -> dict[str, str | None]:
    """Headers under the keys given (key=header name), unfolded and RFC 2047-decoded. The header
    block is parsed once, the body not at all, and with compat32 plus decode_header rather than
    the default policy's header registry (a third of the CPU): the benchmark sends hundreds of
    e-mails a second through here, on the cores the system runs on."""
    try:
        message = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        return {key: _decoded(message.get(header)) for key, header in names.items()}
    except Exception:  # noqa: BLE001 - a malformed header must not lose the message
        return dict.fromkeys(names)


def _decoded(value: str | None) -> str | None:
    if value is None:
        return None
    unfolded = value.replace("\r\n", "").replace("\n", "")
    try:
        return str(email.header.make_header(email.header.decode_header(unfolded)))
    except (LookupError, UnicodeError, email.errors.HeaderParseError):  # an unknown charset, say
        return unfolded


def _last_sequence(directory: Path) -> int:
    numbers = [p.stem.rsplit("-", 1)[-1] for p in directory.glob("*.eml")]
    return max((int(n) for n in numbers if n.isdigit()), default=0)


class MailStore:
    """Writes messages so that order of arrival is the order of file names."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        # Continue numbering after a restart so names keep sorting by arrival.
        self.sequence = _last_sequence(directory)

    def save(self, envelope: Envelope) -> dict[str, Any]:
        raw = envelope.original_content or b""
        self.sequence += 1
        now = datetime.now(UTC)
        name = f"{now:%Y%m%dT%H%M%S.%f}Z-{self.sequence:06d}.eml"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(raw)
        # The index line is written only after the file exists under its final name.
        tmp.replace(self.directory / name)
        record = {
            "seq": self.sequence,
            "received_at": now.isoformat(),
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            **_headers(raw, subject="subject", message_id="message-id"),
            "file": name,
            "size": len(raw),
        }
        _append_line(self.directory / INDEX_FILE, record)
        return record

    def note_rejection(self, stage: FaultStage, reply: str, envelope: Envelope, rcpts: list[str]) -> None:
        _append_line(
            self.directory / REJECTED_FILE,
            {
                "at": datetime.now(UTC).isoformat(),
                "stage": stage.value,
                "reply": reply,
                "mail_from": envelope.mail_from,
                "rcpt_tos": rcpts,
            },
        )


class SinkHandler:
    """aiosmtpd handler: accept and store, unless control.json says to refuse."""

    def __init__(self, store: MailStore) -> None:
        self.store = store

    def _refusal(self, stage: FaultStage, envelope: Envelope, rcpts: list[str]) -> str | None:
        rule = read_control(self.store.directory).matching(stage, rcpts)
        if rule is None:
            return None
        if rule.times is not None:
            use_rule(self.store.directory, rule.id)
        reply = rule.reply()
        self.store.note_rejection(stage, reply, envelope, rcpts)
        return reply

    async def handle_RCPT(  # noqa: N802 - the name aiosmtpd looks up
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self._refusal(FaultStage.RCPT, envelope, [address])
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd looks up
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        refusal = self._refusal(FaultStage.DATA, envelope, list(envelope.rcpt_tos))
        if refusal:
            return refusal
        record = self.store.save(envelope)
        return f"250 2.0.0 Stored as {record['file']}"


async def serve(host: str, port: int, directory: Path) -> None:
    handler = SinkHandler(MailStore(directory))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname=SERVER_NAME, ident="devstack SMTP sink", enable_SMTPUTF8=True),
        host=host,
        port=port,
    )
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    print(f"SMTP sink listening on {host}:{port}, storing into {directory}", flush=True)
    await stopping.wait()
    server.close()
    print("SMTP sink stopped", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True, help="mail directory")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.dir.resolve()))


if __name__ == "__main__":
    main()
