"""``tncam``: one command whose subcommands the services contribute.

A package adds a command group by declaring an entry point in the group ``tncam.cli`` whose
object is ``register(subparsers) -> None``; the function adds its parser and sets
``func`` (returning an exit code) as the parser default. Discovery keeps the dependency
direction: this library never imports a service.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from typing import Any

GROUP = "tncam.cli"
Register = Callable[[Any], None]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every installed command group."""
    parser = argparse.ArgumentParser(
        prog="tncam",
        description="tncam — Hệ thống camera giám sát tập trung tỉnh Thái Nguyên",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        register: Register = ep.load()
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``tncam`` script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        sys.exit(2)
    try:
        code = int(func(args))
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
