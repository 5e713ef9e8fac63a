#!/usr/bin/env python3
"""Generate the Python protobuf code (and .pyi stubs) of tncam from ``proto/``.

    python scripts/gen_proto.py            # (re)generate into libs/contracts/src/tncam/
    python scripts/gen_proto.py --check    # exit 1 if the committed code is stale

The generated tree ``<out>/tncam/`` is owned by this script: every ``*.proto`` under the
proto root becomes ``<module>_pb2.py`` + ``<module>_pb2.pyi``, every package directory gets an
``__init__.py``, and files that no ``.proto`` produces any more are removed. Output is
normalised (LF line endings, no trailing blanks, one final newline) so that it only depends
on the ``.proto`` sources and the locked grpcio-tools version. Works from any directory.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROTO_ROOT = REPO_ROOT / "proto"
DEFAULT_OUT = REPO_ROOT / "libs" / "contracts" / "src"
PACKAGE = "tncam"  # top-level package of the generated code (and of the .proto tree)
HINT = "run make proto"

ROOT_INIT = '"""Generated protobuf code of tncam contracts (see proto/)."""\n'
PACKAGE_INIT = '"""Generated protobuf package {name} (from proto/; do not edit, {hint})."""\n'
IGNORED_DIRS = frozenset({"__pycache__"})


def _protoc_include() -> Path:
    """The well-known types (google/protobuf/*.proto) shipped with grpcio-tools."""
    return Path(str(files("grpc_tools") / "_proto"))


def protoc_version() -> str:
    """Version line of the bundled protoc, e.g. ``libprotoc 33.5``."""
    proc = subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() or proc.stderr.strip()


def find_protos(proto_root: Path) -> list[str]:
    """All ``.proto`` files under ``proto_root/tncam``, as sorted POSIX paths relative to it."""
    base = proto_root / PACKAGE
    if not base.is_dir():
        raise SystemExit(f"gen_proto: no {PACKAGE}/ directory under {proto_root}")
    protos = sorted(p.relative_to(proto_root).as_posix() for p in base.rglob("*.proto"))
    if not protos:
        raise SystemExit(f"gen_proto: no .proto files under {base}")
    return protos


def _normalise(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def generate(proto_root: Path, dest: Path) -> dict[str, str]:
    """Generate into the empty directory ``dest``; return ``{relative path: content}``."""
    protos = find_protos(proto_root)
    cmd = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={proto_root}",
        f"--proto_path={_protoc_include()}",
        f"--python_out={dest}",
        f"--pyi_out={dest}",
        "--fatal_warnings",
        *protos,
    ]
    proc = subprocess.run(cmd, cwd=proto_root, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"gen_proto: protoc failed (exit {proc.returncode})")

    result: dict[str, str] = {}
    for path in sorted((dest / PACKAGE).rglob("*")):
        if path.is_file():
            rel = path.relative_to(dest).as_posix()
            result[rel] = _normalise(path.read_text(encoding="utf-8"))

    # Every directory of the generated tree is a regular package.
    package_dirs = {PACKAGE}
    for rel in list(result):
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            package_dirs.add("/".join(parts[:i]))
    for pkg in sorted(package_dirs):
        init = f"{pkg}/__init__.py"
        if pkg == PACKAGE:
            result[init] = ROOT_INIT
        else:
            result[init] = PACKAGE_INIT.format(name=pkg.replace("/", "."), hint=HINT)
    # PEP 561 marker so type checkers use the generated .pyi stubs.
    result[f"{PACKAGE}/py.typed"] = ""
    return dict(sorted(result.items()))


def read_tree(out: Path) -> dict[str, str]:
    """The committed generated tree ``out/tncam`` as ``{relative path: content}``."""
    result: dict[str, str] = {}
    base = out / PACKAGE
    if not base.is_dir():
        return result
    for path in sorted(base.rglob("*")):
        rel_parts = path.relative_to(out).parts
        if any(part in IGNORED_DIRS for part in rel_parts) or path.suffix == ".pyc":
            continue
        if path.is_file():
            rel = path.relative_to(out).as_posix()
            result[rel] = path.read_text(encoding="utf-8", errors="replace")
    return result


def compare(expected: dict[str, str], actual: dict[str, str]) -> tuple[list[str], ...]:
    """``(stale, missing, extra)`` relative paths."""
    stale = sorted(p for p in expected if p in actual and actual[p] != expected[p])
    missing = sorted(p for p in expected if p not in actual)
    extra = sorted(p for p in actual if p not in expected)
    return stale, missing, extra


def write_tree(out: Path, expected: dict[str, str], actual: dict[str, str]) -> int:
    """Bring ``out/tncam`` in line with ``expected``; return the number of files changed."""
    stale, missing, extra = compare(expected, actual)
    for rel in (*stale, *missing):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(expected[rel], encoding="utf-8", newline="\n")
    for rel in extra:
        (out / rel).unlink()
    # Drop directories that became empty (ignoring bytecode caches).
    base = out / PACKAGE
    for directory in sorted((d for d in base.rglob("*") if d.is_dir()), reverse=True):
        if directory.name in IGNORED_DIRS:
            continue
        remaining = [p for p in directory.iterdir() if p.name not in IGNORED_DIRS]
        if not remaining:
            shutil.rmtree(directory)
    return len(stale) + len(missing) + len(extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the generated code is stale, missing or extra",
    )
    parser.add_argument(
        "--proto-root",
        type=Path,
        default=DEFAULT_PROTO_ROOT,
        help=f"directory holding {PACKAGE}/<domain>/v1/*.proto (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"directory receiving {PACKAGE}/... (default: %(default)s)",
    )
    parser.add_argument("--diff", action="store_true", help="with --check: print a diff")
    args = parser.parse_args(argv)
    proto_root: Path = args.proto_root.resolve()
    out: Path = args.out.resolve()

    with tempfile.TemporaryDirectory(prefix="tncam-proto-") as tmp:
        expected = generate(proto_root, Path(tmp))
    actual = read_tree(out)

    if not args.check:
        changed = write_tree(out, expected, actual)
        print(f"gen_proto: {len(expected)} files in {out / PACKAGE} ({changed} changed)")
        return 0

    stale, missing, extra = compare(expected, actual)
    if not (stale or missing or extra):
        print(f"gen_proto: generated code is up to date ({len(expected)} files)")
        return 0
    print(f"gen_proto: generated code in {out / PACKAGE} is out of date:", file=sys.stderr)
    for label, paths in (("stale", stale), ("missing", missing), ("extra", extra)):
        for rel in paths:
            print(f"  {label}: {rel}", file=sys.stderr)
            if args.diff and label == "stale":
                sys.stderr.writelines(
                    difflib.unified_diff(
                        actual[rel].splitlines(keepends=True),
                        expected[rel].splitlines(keepends=True),
                        fromfile=f"committed/{rel}",
                        tofile=f"generated/{rel}",
                    )
                )
    print(f"({protoc_version()}) -> {HINT}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
