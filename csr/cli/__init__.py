"""The ``csr`` command line: the app and its global options (:mod:`csr.cli.app`), one session per
command (:mod:`csr.cli.runner`), and the commands by area (:mod:`csr.cli.commands`)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> None:
    """The ``csr`` console script (``csr = "csr.cli:main"``): the app is imported only when run, so
    importing a part of the command line does not build all of it."""
    from csr.cli.app import main as run

    run(argv)
