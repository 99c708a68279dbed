"""devstack.keycloak's pure parts: the Java version check and unpacking the distribution."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from devstack.keycloak import parse_java_major, unpack
from devstack.procs import StartupError


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_292"', 8),
        ("command not found", None),
    ],
)
def test_java_major_version_is_read_from_java_version_output(output: str, major: int | None) -> None:
    assert parse_java_major(output) == major


def _zip(path: Path, entries: dict[str, tuple[bytes, int]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, (content, mode) in entries.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, content)
    return path


def test_unpack_drops_the_top_folder_and_keeps_executable_bits(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "dist.zip",
        {"keycloak-1/bin/kc.sh": (b"#!/bin/sh\n", 0o755), "keycloak-1/conf/keycloak.conf": (b"", 0o644)},
    )

    unpack(archive, tmp_path / "out")

    script = tmp_path / "out" / "bin" / "kc.sh"
    assert script.read_bytes() == b"#!/bin/sh\n"
    assert script.stat().st_mode & stat.S_IXUSR
    assert not (tmp_path / "out" / "conf" / "keycloak.conf").stat().st_mode & stat.S_IXUSR


def test_unpack_refuses_an_entry_outside_the_target(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "evil.zip", {"keycloak-1/../../escaped": (b"x", 0o644)})

    with pytest.raises(StartupError, match="outside its folder"):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "escaped").exists()
