"""The committed generated protobuf code matches proto/ (``make proto-check``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[4]
SCRIPT = REPO_ROOT / "scripts" / "gen_proto.py"
PROTO_ROOT = REPO_ROOT / "proto"
GENERATED = REPO_ROOT / "libs" / "contracts" / "src" / "tncam"


def run_gen(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def repo_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of proto/ and the generated tree: ``(proto_root, out)``."""
    proto_root = tmp_path / "proto"
    out = tmp_path / "src"
    shutil.copytree(PROTO_ROOT, proto_root)
    shutil.copytree(GENERATED, out / "tncam", ignore=shutil.ignore_patterns("__pycache__"))
    return proto_root, out


def test_committed_code_is_fresh(tmp_path: Path) -> None:
    # From an unrelated working directory: the script finds the repository itself.
    proc = run_gen("--check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "up to date" in proc.stdout


def test_check_detects_stale_missing_and_extra(
    repo_copy: tuple[Path, Path], tmp_path: Path
) -> None:
    proto_root, out = repo_copy
    opts = ("--proto-root", proto_root, "--out", out)
    assert run_gen("--check", *opts, cwd=tmp_path).returncode == 0

    status = proto_root / "tncam" / "camera" / "v1" / "status.proto"
    text = status.read_text(encoding="utf-8")
    status.write_text(
        text.replace(
            "  uint32 consecutive_failures = 20;",
            "  uint32 consecutive_failures = 20;\n  // Added.\n  string added = 99;",
        ),
        encoding="utf-8",
    )
    new_dir = proto_root / "tncam" / "extra" / "v1"
    new_dir.mkdir(parents=True)
    (new_dir / "thing.proto").write_text(
        'syntax = "proto3";\npackage tncam.extra.v1;\nmessage Thing { string id = 1; }\n',
        encoding="utf-8",
    )
    leftover = out / "tncam" / "camera" / "v1" / "gone_pb2.py"
    leftover.write_text("# left over\n", encoding="utf-8")

    proc = run_gen("--check", *opts, cwd=tmp_path)
    assert proc.returncode == 1
    assert "run make proto" in proc.stderr
    assert "stale: tncam/camera/v1/status_pb2.py" in proc.stderr
    assert "stale: tncam/camera/v1/status_pb2.pyi" in proc.stderr
    assert "missing: tncam/extra/v1/thing_pb2.py" in proc.stderr
    assert "missing: tncam/extra/__init__.py" in proc.stderr
    assert "extra: tncam/camera/v1/gone_pb2.py" in proc.stderr

    # Regenerating fixes all of it.
    proc = run_gen(*opts, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not leftover.exists()
    assert "added" in (out / "tncam" / "camera" / "v1" / "status_pb2.pyi").read_text()
    assert run_gen("--check", *opts, cwd=tmp_path).returncode == 0


def test_generation_is_deterministic(repo_copy: tuple[Path, Path], tmp_path: Path) -> None:
    proto_root, out = repo_copy
    shutil.rmtree(out / "tncam")
    assert run_gen("--proto-root", proto_root, "--out", out, cwd=tmp_path).returncode == 0
    for generated in sorted((out / "tncam").rglob("*")):
        if generated.is_file():
            committed = GENERATED / generated.relative_to(out / "tncam")
            assert committed.read_bytes() == generated.read_bytes(), committed
