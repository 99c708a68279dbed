"""Keycloak, the dev stack's identity provider: the realm `csr-oms` every actor's token comes from.

Like Kafka, the server is plain Java fetched from Maven Central (org.keycloak:keycloak-quarkus-dist,
a zip), so no Docker image is needed. It is unpacked once into the cache shared by all checkouts
(~/.cache/csr-oms/keycloak-<version>) and pre-built there once (`kc.sh build`), so every start
can skip Quarkus' re-augmentation (`start --optimized`; `start-dev` always re-augments and, since
26.4, refuses `--optimized`). Each stack gets its own Keycloak home: symbolic links to the cached
distribution plus its own `data/` (the H2 database, the realm to import), because Keycloak keeps
its data under its home directory.

Java: Keycloak 26.7 is compiled for Java 17 (class files version 61) and runs on the machine's
OpenJDK 17 (Debian 12 has no OpenJDK 21 package), so no other JDK is needed.

Besides the component, this module is the Python face of the realm for tests and tools:
admin_token, ensure_user, password_grant, client_credentials, set_user_enabled,
rotate_signing_key, add_signing_key, signing_keys, remove_key and device_authorization (standard
library HTTP only).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.component import Component
from devstack.ports import HOST, reuse_or_pick
from devstack.procs import ProcessInfo, StartupError, run, spawn, terminate
from devstack.tools import require_command

KEYCLOAK_VERSION = "26.7.3"
VERSION_ENV = "OMS_KEYCLOAK_VERSION"
HEAP_ENV = "OMS_KEYCLOAK_HEAP_OPTS"
DEFAULT_HEAP = "-Xms64m -Xmx512m"
MINIMUM_JAVA = 17

REALM = "csr-oms"
AUDIENCE = "csr-oms"
REALM_FILE_NAME = "csr-oms-realm.json"
# The master realm's administrator of the dev stack only; never a deployment's.
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 - dev-only bootstrap administrator, documented in devstack/README.md
# The realm roles this project gives meaning to (most privileged first: a token with several takes the first).
OMS_ROLES = ("system", "supervisor", "csr", "channel")

# Build-time options baked into the cached distribution by `kc.sh build`. A change here makes
# the next start rebuild the cache. dev-file: the embedded H2 database, one file per stack.
BUILD_OPTIONS = ("--db=dev-file",)
UNPACKED_MARKER = ".unpacked"
BUILT_MARKER = ".built"
# Entries of the distribution the per-stack home links to; `data/` stays the stack's own.
LINKED_ENTRIES = ("bin", "conf", "lib", "providers", "themes", "version.txt")

FIRST_START_TIMEOUT_S = 300.0  # database schema + realm import on a busy two-core machine
# Generous: a loaded two-core machine can keep Keycloak busy for seconds.
HTTP_TIMEOUT_S = 30.0


class KeycloakError(RuntimeError):
    """Keycloak refused a request: the HTTP status and its OAuth/admin error, never a secret."""

    def __init__(self, status: int, error: str, description: str = "") -> None:
        super().__init__(f"Keycloak answered {status}: {error}" + (f" ({description})" if description else ""))
        self.status = status
        self.error = error
        self.description = description


# -- URLs ------------------------------------------------------------------------------------


def issuer_url(base_url: str, realm: str = REALM) -> str:
    return f"{base_url.rstrip('/')}/realms/{realm}"


def token_endpoint(issuer: str) -> str:
    return f"{issuer.rstrip('/')}/protocol/openid-connect/token"


def discovery_url(issuer: str) -> str:
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


def _admin_url(base_url: str, path: str, realm: str = REALM) -> str:
    return f"{base_url.rstrip('/')}/admin/realms/{realm}/{path.lstrip('/')}"


# -- HTTP (standard library: no extra dependency for the stack) ----------------------------


def _error_of(status: int, raw: bytes) -> KeycloakError:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    error = str(body.get("error") or body.get("errorMessage") or "http_error")
    return KeycloakError(status, error, str(body.get("error_description") or ""))


def _request(
    method: str,
    url: str,
    *,
    form: Mapping[str, str] | None = None,
    payload: Any = None,
    token: str | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One HTTP exchange: (status, headers, decoded JSON or None). Raises KeycloakError on 4xx/5xx."""
    headers = {"Accept": "application/json"}
    data: bytes | None = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif payload is not None:
        data = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - http(s) URLs of our stack
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raise _error_of(exc.code, exc.read()) from None


def discovery(issuer: str) -> dict[str, Any]:
    """The realm's OpenID Provider metadata (.well-known/openid-configuration)."""
    _, _, body = _request("GET", discovery_url(issuer))
    return dict(body)


def _token(issuer: str, form: Mapping[str, str]) -> dict[str, Any]:
    _, _, body = _request("POST", token_endpoint(issuer), form=form)
    return dict(body)


# -- tokens ----------------------------------------------------------------------------------


def password_grant(issuer: str, username: str, password: str, client_id: str = "csr-cli") -> dict[str, Any]:
    """Token response (access_token, refresh_token, expires_in, ...) of a person's login."""
    return _token(
        issuer,
        {"grant_type": "password", "client_id": client_id, "username": username, "password": password},
    )


def client_credentials(issuer: str, client_id: str, secret: str) -> dict[str, Any]:
    """Token response of a confidential client's service account (channels, systems)."""
    return _token(issuer, {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


def device_authorization(issuer: str, client_id: str = "csr-cli") -> dict[str, Any]:
    """Start an OAuth device authorization (RFC 8628): device_code, user_code, verification_uri."""
    _, _, body = _request(
        "POST", f"{issuer.rstrip('/')}/protocol/openid-connect/auth/device", form={"client_id": client_id}
    )
    return dict(body)


def admin_token(base_url: str, username: str = ADMIN_USERNAME, password: str = ADMIN_PASSWORD) -> str:
    """An access token of the master realm's administrator (lives 60 s: take one per task)."""
    response = password_grant(issuer_url(base_url, "master"), username, password, client_id="admin-cli")
    return str(response["access_token"])


# -- users -----------------------------------------------------------------------------------


def _find_user(base_url: str, token: str, username: str) -> dict[str, Any] | None:
    query = urllib.parse.urlencode({"username": username, "exact": "true"})
    _, _, users = _request("GET", _admin_url(base_url, f"users?{query}"), token=token)
    return next((u for u in users if u.get("username") == username.lower()), None)


def _user_id(base_url: str, token: str, username: str) -> str:
    user = _find_user(base_url, token, username)
    if user is None:
        raise KeycloakError(404, "user_not_found", f"no user {username!r} in realm {REALM}")
    return str(user["id"])


def _create_user(base_url: str, token: str, username: str) -> str:
    # First and last name and e-mail are required by Keycloak's default user profile: without
    # them a password login is refused with "Account is not fully set up".
    representation = {
        "username": username,
        "enabled": True,
        "email": f"{username}@csr-oms.example.com",
        "emailVerified": True,
        "firstName": username.capitalize(),
        "lastName": "Test",
    }
    _request("POST", _admin_url(base_url, "users"), payload=representation, token=token)
    return _user_id(base_url, token, username)


def _set_oms_role(base_url: str, token: str, user_id: str, role: str) -> None:
    """Give the user exactly one OMS role: add `role`, remove the other OMS roles it has."""
    mappings_url = _admin_url(base_url, f"users/{user_id}/role-mappings/realm")
    _, _, current = _request("GET", mappings_url, token=token)
    stale = [r for r in current if r.get("name") in OMS_ROLES and r.get("name") != role]
    if stale:
        _request("DELETE", mappings_url, payload=stale, token=token)
    if all(r.get("name") != role for r in current):
        _, _, wanted = _request("GET", _admin_url(base_url, f"roles/{role}"), token=token)
        _request("POST", mappings_url, payload=[wanted], token=token)


def ensure_user(base_url: str, username: str, role: str, password: str | None = None) -> str:
    """Make `username` an enabled user of the realm with the realm role `role` (its only OMS role)
    and the given password (default `<username>-dev`, the dev realm's convention); returns the
    password. Idempotent: creates the user when missing, else updates it."""
    if role not in OMS_ROLES:
        raise ValueError(f"role must be one of {', '.join(OMS_ROLES)}")
    password = password if password is not None else f"{username}-dev"
    token = admin_token(base_url)
    user = _find_user(base_url, token, username)
    user_id = str(user["id"]) if user else _create_user(base_url, token, username)
    if user is not None and not user.get("enabled", False):
        _request("PUT", _admin_url(base_url, f"users/{user_id}"), payload={"enabled": True}, token=token)
    _set_oms_role(base_url, token, user_id, role)
    credential = {"type": "password", "value": password, "temporary": False}
    _request("PUT", _admin_url(base_url, f"users/{user_id}/reset-password"), payload=credential, token=token)
    return password


def set_user_enabled(base_url: str, username: str, enabled: bool) -> None:
    """Enable or disable a user (a disabled user's logins are refused: `Account disabled`)."""
    token = admin_token(base_url)
    user_id = _user_id(base_url, token, username)
    _request("PUT", _admin_url(base_url, f"users/{user_id}"), payload={"enabled": enabled}, token=token)


# -- signing keys ----------------------------------------------------------------------------


def signing_keys(base_url: str, algorithm: str = "RS256") -> list[dict[str, Any]]:
    """The realm's active keys of `algorithm` (kid, priority, providerId), highest priority first."""
    _, _, body = _request("GET", _admin_url(base_url, "keys"), token=admin_token(base_url))
    keys = [k for k in body.get("keys", []) if k.get("algorithm") == algorithm and k.get("status") == "ACTIVE"]
    return sorted(keys, key=lambda k: int(k.get("providerPriority", 0)), reverse=True)


def _new_private_key_pem() -> str:
    """A fresh RSA key, PKCS#8 PEM. Made here, not by Keycloak: a JVM generating RSA keys on a
    loaded two-core machine can take longer than a minute (C1-compiled BigInteger arithmetic)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def add_signing_key(base_url: str, priority: int) -> str:
    """Add an RSA signing key with `priority` (the highest one signs new tokens); returns its kid."""
    token = admin_token(base_url)
    known = {k["kid"] for k in signing_keys(base_url)}
    _, _, realm = _request("GET", f"{base_url.rstrip('/')}/admin/realms/{REALM}", token=token)
    component = {
        "name": f"rsa-added-{priority}",
        "providerId": "rsa",  # an imported key; Keycloak makes its self-signed certificate
        "providerType": "org.keycloak.keys.KeyProvider",
        "parentId": realm["id"],
        "config": {
            "priority": [str(priority)],
            "enabled": ["true"],
            "active": ["true"],
            "algorithm": ["RS256"],
            "privateKey": [_new_private_key_pem()],
        },
    }
    _request("POST", _admin_url(base_url, "components"), payload=component, token=token)
    added = [k for k in signing_keys(base_url) if k["kid"] not in known]
    if not added:
        raise KeycloakError(500, "key_not_added", "the new RSA key provider produced no active key")
    return str(added[0]["kid"])


def rotate_signing_key(base_url: str) -> str:
    """Add a new RSA key with a higher priority than every current one; returns its kid.

    New tokens are signed with it at once; the old keys stay in the JWKS (so tokens they signed
    stay verifiable) until remove_key() drops them."""
    top = max((int(k.get("providerPriority", 0)) for k in signing_keys(base_url)), default=100)
    return add_signing_key(base_url, top + 1)


def remove_key(base_url: str, kid: str) -> None:
    """Delete the key provider holding key `kid`: tokens it signed no longer verify."""
    token = admin_token(base_url)
    _, _, body = _request("GET", _admin_url(base_url, "keys"), token=token)
    provider = next((k.get("providerId") for k in body.get("keys", []) if k.get("kid") == kid), None)
    if provider is None:
        raise KeycloakError(404, "key_not_found", f"no key {kid!r} in realm {REALM}")
    _request("DELETE", _admin_url(base_url, f"components/{provider}"), token=token)


# -- the server as a component of the stack ---------------------------------------------------


def parse_java_major(version_output: str) -> int | None:
    """The feature release of `java -version`'s text: 17 for "17.0.15", 8 for "1.8.0_292"."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if match is None:
        return None
    major = int(match.group(1))
    # Java 8 and older call themselves "1.8".
    return int(match.group(2) or 0) if major == 1 else major


def java_major_version(java: str) -> int | None:
    result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30, check=False)
    return parse_java_major(result.stderr + result.stdout)


def unpack(archive: Path, target: Path) -> None:
    """Unzip keeping the executable bits (zipfile drops them; kc.sh must stay runnable)."""
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            # The zip holds one top folder, keycloak-<version>/; its content goes into target.
            relative = Path(*Path(member.filename).parts[1:])
            if not relative.parts:
                continue
            if ".." in relative.parts or relative.is_absolute():
                raise StartupError(f"{archive.name} holds an entry outside its folder: {member.filename}")
            destination = target / relative
            if member.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(member) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out)
            mode = (member.external_attr >> 16) & 0o777
            if mode:
                destination.chmod(mode)


@contextlib.contextmanager
def _cache_lock(path: Path) -> Iterator[None]:
    """One fetcher/builder per cached version across checkouts and parallel `up`s."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Keycloak(Component):
    name = "keycloak"

    @property
    def process(self) -> ProcessInfo | None:
        return self.state.keycloak.process

    @property
    def version(self) -> str:
        # Not the recorded version: a newer Keycloak migrates the stack's database at start.
        return os.environ.get(VERSION_ENV) or KEYCLOAK_VERSION

    @property
    def home(self) -> Path:
        return self.paths.keycloak_dir / "home"

    @property
    def base_url(self) -> str | None:
        port = self.state.keycloak.port
        return f"http://{HOST}:{port}" if port else None

    def env(self) -> dict[str, str]:
        if self.base_url is None:
            return {}
        return {
            "OMS_KEYCLOAK_URL": self.base_url,
            "OMS_OIDC_ISSUER": issuer_url(self.base_url),
            "OMS_OIDC_AUDIENCE": AUDIENCE,
        }

    def is_healthy(self) -> bool:
        """Ready when the realm's discovery document answers with our issuer (realm imported)."""
        if self.base_url is None:
            return False
        issuer = issuer_url(self.base_url)
        try:
            return discovery(issuer).get("issuer") == issuer
        except (OSError, ValueError, KeycloakError):
            return False

    def start(self) -> None:
        keycloak = self.state.keycloak
        dist = self.ensure_dist()
        keycloak.port = reuse_or_pick(keycloak.port)
        self._prepare_home(dist)
        env = {
            **os.environ,
            # Creates the master realm's admin at the first start only (dev stack: admin/admin).
            "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USERNAME,
            "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        }
        keycloak.process = spawn(self._server_argv(keycloak.port), self.log_path, env=env, cwd=self.home)
        self.wait_healthy(timeout=FIRST_START_TIMEOUT_S, interval=0.5)

    def stop(self) -> None:
        terminate(self.state.keycloak.process, grace=30.0)
        self.state.keycloak.process = None

    def wipe(self) -> None:
        """Forget users, sessions and keys: the next start imports the realm file afresh."""
        shutil.rmtree(self.home / "data", ignore_errors=True)

    # -- the cached, pre-built distribution ---------------------------------------------------

    def ensure_dist(self) -> Path:
        """The unpacked and built distribution of this stack's version, fetched on first use."""
        dist = self.paths.keycloak_dist(self.version)
        with _cache_lock(dist.with_name(f"{dist.name}.lock")):
            if not (dist / UNPACKED_MARKER).exists():
                self._fetch(dist)
            if self._built_with(dist) != "\n".join(BUILD_OPTIONS):
                self._build(dist)
        self.state.keycloak.version = self.version
        return dist

    def _fetch(self, dist: Path) -> None:
        maven_log = self.paths.log("maven")
        mvn = require_command("mvn", "maven", maven_log)
        staging = dist.with_name(f"{dist.name}.partial-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        run(
            [
                mvn,
                "-B",
                "-q",
                "-f",
                str(self.paths.keycloak_pom),
                "dependency:copy",
                f"-Dartifact=org.keycloak:keycloak-quarkus-dist:{self.version}:zip",
                f"-DoutputDirectory={staging / 'download'}",
            ],
            maven_log,
            timeout=900,
        )
        archive = staging / "download" / f"keycloak-quarkus-dist-{self.version}.zip"
        unpack(archive, staging / "dist")
        (staging / "dist" / UNPACKED_MARKER).write_text(self.version + "\n")
        shutil.rmtree(dist, ignore_errors=True)
        (staging / "dist").rename(dist)
        shutil.rmtree(staging, ignore_errors=True)

    @staticmethod
    def _built_with(dist: Path) -> str | None:
        marker = dist / BUILT_MARKER
        return marker.read_text().strip() if marker.exists() else None

    def _build(self, dist: Path) -> None:
        """Quarkus' re-augmentation, once per cached version and build options (~25 s)."""
        (dist / BUILT_MARKER).unlink(missing_ok=True)
        run([*self._java_argv(dist), "build", *BUILD_OPTIONS], self.log_path, timeout=600, cwd=dist)
        (dist / BUILT_MARKER).write_text("\n".join(BUILD_OPTIONS) + "\n")

    # -- this stack's home and command line ----------------------------------------------------

    def _prepare_home(self, dist: Path) -> None:
        """Links to the cached distribution, this stack's data/, and the realm file to import."""
        self.home.mkdir(parents=True, exist_ok=True)
        for entry in LINKED_ENTRIES:
            link = self.home / entry
            if link.is_symlink() or link.exists():
                if link.is_symlink() and link.resolve() == (dist / entry).resolve():
                    continue
                link.unlink()
            link.symlink_to(dist / entry)
        imports = self.home / "data" / "import"
        imports.mkdir(parents=True, exist_ok=True)
        # Imported only when the realm does not exist yet (IGNORE_EXISTING): users, keys and
        # sessions survive restarts; `devstack down --wipe` starts over from the file.
        shutil.copyfile(self.paths.keycloak_realm_file, imports / REALM_FILE_NAME)

    def _java_argv(self, home: Path) -> list[str]:
        java = require_command("java", "default-jre-headless", self.paths.log("maven"))
        major = java_major_version(java)
        if major is None or major < MINIMUM_JAVA:
            raise StartupError(f"Keycloak {self.version} needs Java {MINIMUM_JAVA} or newer; {java} is {major}")
        heap = os.environ.get(HEAP_ENV, DEFAULT_HEAP).split()
        return [
            java,
            *heap,
            "-XX:MetaspaceSize=96M",
            "-XX:MaxMetaspaceSize=256m",
            # Start-up CPU first, on a shared two-core machine: the serial collector (no GC
            # threads) and the C1 compiler only. Measured under load: 13.6 s of CPU to ready
            # instead of 23.6 s with C2, and tokens no slower. (RSA key generation is slow under
            # C1, so rotate_signing_key brings its own key.)
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:+ExitOnOutOfMemoryError",
            "-Dfile.encoding=UTF-8",
            "-Djava.security.egd=file:/dev/urandom",
            # What kc.sh passes: JBoss Threads and Infinispan reflect into these packages.
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.security=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "-Duser.language=en",
            "-Duser.country=US",
            f"-Dkc.home.dir={home}",
            f"-Djboss.server.config.dir={home / 'conf'}",
            "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
            "-Dpicocli.disable.closures=true",
            "-Djava.util.concurrent.ForkJoinPool.common.threadFactory="
            "io.quarkus.bootstrap.forkjoin.QuarkusForkJoinWorkerThreadFactory",
            "-cp",
            str(home / "lib" / "quarkus-run.jar"),
            "io.quarkus.bootstrap.runner.QuarkusEntryPoint",
        ]

    def _server_argv(self, port: int) -> list[str]:
        base_url = f"http://{HOST}:{port}"
        return [
            *self._java_argv(self.home),
            "start",
            "--optimized",
            # Production mode on a pre-built server, configured like start-dev: plain HTTP on
            # loopback, the embedded H2 file database (build option), a local cache instead of a
            # cluster (no JGroups ports, which would clash between stacks).
            "--http-enabled=true",
            f"--http-host={HOST}",
            f"--http-port={port}",
            # A fixed frontend URL: every token's `iss` is this issuer, however the client
            # reached the server (localhost, 127.0.0.1).
            f"--hostname={base_url}",
            "--cache=local",
            "--import-realm",
            "--log-console-color=false",
        ]
