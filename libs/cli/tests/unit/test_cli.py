"""The ``tncam`` command discovers its command groups."""

from __future__ import annotations

import subprocess
import sys

from tncam_cli.main import build_parser


def test_help_lists_installed_groups() -> None:
    help_text = build_parser().format_help()
    assert "tncam" in help_text


def test_no_command_prints_help_and_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from tncam_cli.main import main; main([])"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "usage: tncam" in result.stdout
