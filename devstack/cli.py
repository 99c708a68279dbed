"""`python -m devstack COMMAND`: run the local stack without Docker."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict

from devstack.acls import add_arguments as add_acl_arguments
from devstack.acls import render_table, revoke_acls
from devstack.aio import run_blocking
from devstack.paths import StackPaths
from devstack.services import SERVICES, available_services
from devstack.stack import Stack, StackError, locked
from devstack.state import render_env


def _up(stack: Stack, args: argparse.Namespace) -> None:
    began = time.monotonic()
    for report in stack.up(with_services=args.services, instances=args.instances):
        verb = "started" if report.started else "reused "
        print(f"{report.name:<16} {verb} in {report.seconds:6.1f}s", file=sys.stderr)
    if args.services:
        missing = sorted(set(SERVICES) - set(available_services()))
        for name in missing:
            print(f"{name:<14} skipped: no runnable module services.{name}", file=sys.stderr)
    print(f"stack up in {time.monotonic() - began:.1f}s; env in {stack.paths.env_file}", file=sys.stderr)
    print(render_env(stack.state.env), end="")


def _down(stack: Stack, args: argparse.Namespace) -> None:
    stack.down(wipe=args.wipe)
    print("stack stopped" + (" and wiped" if args.wipe else ""), file=sys.stderr)


def _status(stack: Stack, args: argparse.Namespace) -> None:
    rows = stack.status()
    if args.json:
        print(json.dumps([asdict(row) for row in rows], indent=2))
        return
    for row in rows:
        state = "healthy" if row.healthy else ("running" if row.running else "stopped")
        endpoints = " ".join(f"{k}={v}" for k, v in row.env.items())
        print(f"{row.name:<16} {state:<8} pid={row.pid or '-':<8} {endpoints}")
    if not all(row.healthy for row in rows):
        raise SystemExit(1)


def _env(stack: Stack, args: argparse.Namespace) -> None:
    print(render_env(stack.state.env), end="")


def _acls(stack: Stack, args: argparse.Namespace) -> None:
    if args.print:
        print(render_table(args.prefix))
        return
    if args.revoke:
        count = run_blocking(lambda: revoke_acls(stack.kafka.admin_options(), args.prefix))
        print(f"{count} ACLs deleted for prefix {args.prefix!r}", file=sys.stderr)
        return
    created = stack.apply_acls(args.prefix)
    for acl in created:
        print(f"created {acl.describe()}", file=sys.stderr)
    print(f"ACLs for prefix {args.prefix!r}: {len(created)} created, the others existed", file=sys.stderr)


def _single(action: Callable[[Stack, argparse.Namespace], None]) -> Callable[[Stack, argparse.Namespace], None]:
    """Wrap a one-component change so the new pids and ports are saved."""
    return lambda stack, args: stack.run(lambda: action(stack, args))


COMMANDS: dict[str, tuple[str, Callable[[Stack, argparse.Namespace], None]]] = {
    "up": ("start Keycloak, Kafka, PostgreSQL and the SMTP sink (reusing healthy ones)", _up),
    "down": ("stop everything; --wipe also deletes Kafka, PostgreSQL, Keycloak and mail data", _down),
    "status": ("show each component; exit 1 unless all are healthy", _status),
    "env": ("print the KEY=value endpoint lines of the running stack", _env),
    "acls": ("apply the broker's ACLs (devstack/acls.py); --print shows them, --revoke deletes", _acls),
    "restart-kafka": ("stop and start Kafka on the same port", _single(lambda s, a: s.kafka.restart())),
    "restart-keycloak": ("stop and start Keycloak on the same port", _single(lambda s, a: s.keycloak.restart())),
    "restart-postgres": ("stop and start PostgreSQL on the same port", _single(lambda s, a: s.postgres.restart())),
    "stop-smtp": ("stop the SMTP sink (senders then get connection errors)", _single(lambda s, a: s.smtp.stop())),
    "start-smtp": ("start the SMTP sink again", _single(lambda s, a: s.smtp.start())),
    "stop-stripe-mock": (
        "stop stripe-mock (the card provider is then down)",
        _single(lambda s, a: s.stripe_mock.stop()),
    ),
    "start-stripe-mock": ("start stripe-mock again", _single(lambda s, a: s.stripe_mock.start())),
    "start-service": ("start one application service by name", _single(lambda s, a: s.service(a.name).start())),
    "stop-service": ("stop one application service by name", _single(lambda s, a: s.service(a.name).stop())),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, _) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == "up":
            command.add_argument(
                "--services", action="store_true", help="also start the application services that exist"
            )
            command.add_argument(
                "--instances",
                type=int,
                default=int(os.environ.get("OMS_DEVSTACK_INSTANCES", "1")),
                help="instances of each service with --services (default: $OMS_DEVSTACK_INSTANCES or 1);"
                " the first is named after its service, the others orders-2, orders-3, ...",
            )
        if name == "down":
            command.add_argument("--wipe", action="store_true")
        if name == "status":
            command.add_argument("--json", action="store_true")
        if name == "acls":
            add_acl_arguments(command)
        if name.endswith("-service"):
            command.add_argument("name")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    paths = StackPaths.from_env()
    _, action = COMMANDS[args.command]
    # Read-only commands need no lock; every other one waits for its turn.
    try:
        if args.command in ("status", "env") or (args.command == "acls" and args.print):
            action(Stack(paths), args)
            return
        with locked(paths):
            action(Stack(paths), args)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
