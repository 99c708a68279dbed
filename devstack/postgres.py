"""A private PostgreSQL cluster from the machine's own binaries.

initdb and postgres refuse to run as root, so as root every server command
runs as the unprivileged `postgres` user (created by Debian's package), and
the data directory is placed where that user can reach it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
from pathlib import Path

import asyncpg

from devstack.aio import run_blocking
from devstack.component import Component
from devstack.ports import HOST, reuse_or_pick
from devstack.procs import ProcessInfo, is_alive, process_info, run, terminate
from devstack.tools import apt_install, command_output, is_root

DATABASES = ("customers", "orders", "notifications")
SUPERUSER = "postgres"
OS_USER = "postgres"
FSYNC_ENV = "OMS_PG_FSYNC"
BINDIR_ENV = "OMS_PG_BINDIR"
# World-traversable and kept across reboots; used only when the postgres user
# cannot enter the stack directory.
SHARED_TMP = Path("/var/tmp")  # noqa: S108 - a private 0700 directory is made inside


def settings(port: int) -> dict[str, str]:
    fsync = os.environ.get(FSYNC_ENV, "on")
    return {
        "listen_addresses": f"'{HOST}'",
        "port": str(port),
        # TCP only: no socket files that could clash with a system cluster.
        "unix_socket_directories": "''",
        "max_connections": "300",
        "shared_buffers": "'256MB'",
        # Benchmarks may turn durability off with OMS_PG_FSYNC=off; default stays safe.
        "fsync": fsync,
        "full_page_writes": fsync,
        "synchronous_commit": "on",
        "max_wal_size": "'1GB'",
        "timezone": "'UTC'",
        "logging_collector": "off",
        "log_line_prefix": "'%m [%p] %q%u@%d '",
    }


def render_conf(port: int) -> str:
    lines = [f"{key} = {value}\n" for key, value in settings(port).items()]
    return "# Written by devstack on every start; edit devstack/postgres.py instead.\n" + "".join(lines)


def _version_key(bindir: Path) -> int:
    name = bindir.parent.name
    return int(name) if name.isdigit() else 0


def _candidate_bindirs() -> list[Path]:
    found: list[Path] = []
    override = os.environ.get(BINDIR_ENV)
    if override:
        found.append(Path(override))
    reported = command_output(["pg_config", "--bindir"])
    if reported:
        found.append(Path(reported))
    found.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True))
    return found


def find_bindir() -> Path | None:
    for bindir in _candidate_bindirs():
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


async def _probe(port: int) -> bool:
    try:
        conn = await asyncpg.connect(host=HOST, port=port, user=SUPERUSER, database="postgres", timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    try:
        return bool(await conn.fetchval("SELECT 1") == 1)
    finally:
        await conn.close()


async def _create_databases(port: int) -> None:
    conn = await asyncpg.connect(host=HOST, port=port, user=SUPERUSER, database="postgres")
    try:
        existing = {row["datname"] for row in await conn.fetch("SELECT datname FROM pg_database")}
        for name in DATABASES:
            if name not in existing:
                # Identifiers cannot be parameters; these names are constants above.
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


class Postgres(Component):
    name = "postgres"

    @property
    def process(self) -> ProcessInfo | None:
        return self.state.postgres.process

    @property
    def dsn(self) -> str | None:
        port = self.state.postgres.port
        return f"postgresql://{SUPERUSER}@{HOST}:{port}" if port else None

    def env(self) -> dict[str, str]:
        return {"OMS_PG_DSN": self.dsn} if self.dsn else {}

    def is_healthy(self) -> bool:
        port = self.state.postgres.port
        return port is not None and run_blocking(lambda: _probe(port))

    def start(self) -> None:
        pg = self.state.postgres
        bindir = self._bindir()
        data = self._data_dir()
        if not (data / "PG_VERSION").exists():
            self._initdb(bindir, data)
        pg.port = reuse_or_pick(pg.port)
        self._write_conf(data, pg.port)
        # No `-l`: the postmaster inherits pg_ctl's stdout, a file opened by us,
        # so the postgres user needs no write access to our log directory.
        pg_ctl = [str(bindir / "pg_ctl"), "start", "-D", str(data), "-w", "-t", "90"]
        run(self._as_server_user(pg_ctl), self.log_path, timeout=120, cwd=data.parent)
        pg.process = process_info(int((data / "postmaster.pid").read_text().split()[0]))
        self.wait_healthy(timeout=30.0)
        run_blocking(lambda: _create_databases(pg.port or 0))

    def stop(self) -> None:
        pg = self.state.postgres
        if self._server_alive() and pg.bindir and pg.data_dir:
            pg_ctl = [str(Path(pg.bindir) / "pg_ctl"), "stop", "-D", pg.data_dir, "-m", "fast", "-w", "-t", "30"]
            # On failure (already logged by run) the signals below take over.
            with contextlib.suppress(Exception):
                run(self._as_server_user(pg_ctl), self.log_path, timeout=60, cwd=Path(pg.data_dir).parent)
        terminate(pg.process, grace=10.0)
        pg.process = None

    def _server_alive(self) -> bool:
        """Our recorded postmaster, or one still running on our data directory
        although stack.json forgot it (pg_ctl start would refuse to run then)."""
        if self.is_running():
            return True
        data_dir = self.state.postgres.data_dir
        try:
            pid = int((Path(data_dir or "") / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return False
        return is_alive(ProcessInfo(pid=pid))

    def wipe(self) -> None:
        data_dir = self.state.postgres.data_dir
        if data_dir:
            # The parent is ours too (.stack/postgres or /var/tmp/csr-oms-*).
            shutil.rmtree(Path(data_dir).parent, ignore_errors=True)
        self.state.postgres.data_dir = None

    # -- binaries and user ---------------------------------------------------------

    def _bindir(self) -> Path:
        recorded = self.state.postgres.bindir
        bindir = Path(recorded) if recorded and (Path(recorded) / "pg_ctl").exists() else find_bindir()
        if bindir is None:
            apt_install(["postgresql"], self.paths.log("apt"))
            bindir = find_bindir()
        if bindir is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) found")
        self.state.postgres.bindir = str(bindir)
        return bindir

    def _as_server_user(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", OS_USER, "--", *argv] if is_root() else argv

    def _chown_to_server_user(self, path: Path) -> None:
        if is_root():
            user = pwd.getpwnam(OS_USER)
            os.chown(path, user.pw_uid, user.pw_gid)

    # -- data directory ------------------------------------------------------------

    def _data_dir(self) -> Path:
        recorded = self.state.postgres.data_dir
        data = Path(recorded) if recorded else self._default_data_dir()
        data.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._chown_to_server_user(data.parent)
        self.state.postgres.data_dir = str(data)
        return data

    def _default_data_dir(self) -> Path:
        in_stack = self.paths.stack_dir / "postgres" / "data"
        self.paths.stack_dir.mkdir(parents=True, exist_ok=True)
        if not is_root() or self._server_user_can_enter(self.paths.stack_dir):
            return in_stack
        # E.g. a checkout under /root (mode 0700): the postgres user cannot get there.
        digest = hashlib.sha256(str(self.paths.stack_dir).encode()).hexdigest()[:12]
        return SHARED_TMP / f"csr-oms-{digest}" / "data"

    def _server_user_can_enter(self, directory: Path) -> bool:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return False
        return command_output(self._as_server_user(["test", "-x", str(directory)])) is not None

    def _initdb(self, bindir: Path, data: Path) -> None:
        if is_root():
            try:
                pwd.getpwnam(OS_USER)
            except KeyError:
                raise RuntimeError(
                    f"running as root needs the '{OS_USER}' user (Debian's postgresql package creates it)"
                ) from None
        # Byte-order collation (fast, as with no locale) but Unicode character classes: without
        # them lower() folds only ASCII and pg_trgm sees no words in Greek or Cyrillic names, so
        # name searches could not use their trigram indexes (a Docker postgres has en_US.utf8).
        locale = ["-E", "UTF8", "--lc-collate=C", "--lc-ctype=C.UTF-8"]
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", *locale]
        run(self._as_server_user(initdb), self.log_path, timeout=180, cwd=data.parent)
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("\ninclude_if_exists = 'devstack.conf'\n")

    def _write_conf(self, data: Path, port: int) -> None:
        conf = data / "devstack.conf"
        conf.write_text(render_conf(port))
        self._chown_to_server_user(conf)
