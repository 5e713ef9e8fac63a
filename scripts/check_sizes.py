"""Guard rail of the layout rule (ADR 0019): modules under ~500 lines, functions under ~60.

A longer one carries its reason in a comment: ``# long: <why>`` on the ``def`` line or the
line above it (for a function), ``# long module: <why>`` in its first twenty lines (a module).
``--report`` prints the largest module and function of each package instead of checking.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE = 500
MAX_FUNCTION = 60
# Generated or test-only trees: the rule is for hand-written runtime code.
SKIP = ("/tncam/", "/migrations/", "/tests/")


@dataclass(frozen=True)
class Size:
    path: Path
    name: str
    line: int
    lines: int


def sources() -> list[Path]:
    """Every hand-written source module of the libraries and services."""
    found = sorted(ROOT.glob("libs/*/src/**/*.py")) + sorted(ROOT.glob("services/*/src/**/*.py"))
    return [p for p in found if not any(s in p.as_posix() for s in SKIP)]


def functions(path: Path, tree: ast.Module) -> list[Size]:
    """Every function and method of a module with its length in lines."""
    out: list[Size] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            out.append(Size(path, node.name, node.lineno, node.end_lineno - start + 1))
    return out


def excused(lines: list[str], line: int, marker: str) -> bool:
    """Whether the def at ``line`` (1-based) or the line above it says why it is long."""
    window = lines[max(0, line - 2) : line]
    return any(marker in text for text in window)


def package_of(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return f"{parts[0]}/{parts[1]}"


def report(paths: list[Path]) -> None:
    """The largest module and function of each package."""
    biggest: dict[str, tuple[Size, Size | None]] = {}
    for path in paths:
        text = path.read_text()
        module = Size(path, path.name, 1, len(text.splitlines()))
        funcs = functions(path, ast.parse(text))
        top = max(funcs, key=lambda f: f.lines, default=None)
        pkg = package_of(path)
        mod_best, fn_best = biggest.get(pkg, (module, top))
        if module.lines > mod_best.lines:
            mod_best = module
        if top and (fn_best is None or top.lines > fn_best.lines):
            fn_best = top
        biggest[pkg] = (mod_best, fn_best)
    for pkg, (mod, fn) in sorted(biggest.items()):
        fn_text = f"{fn.name} {fn.lines} ({fn.path.name}:{fn.line})" if fn else "-"
        print(f"{pkg:22} module {mod.lines:5} {mod.path.name:24} function {fn_text}")


def check(paths: list[Path]) -> list[str]:
    """The modules and functions over the limits without a reason."""
    problems: list[str] = []
    for path in paths:
        text = path.read_text()
        lines = text.splitlines()
        rel = path.relative_to(ROOT)
        if len(lines) > MAX_MODULE and not any("# long module:" in t for t in lines[:20]):
            problems.append(f"{rel}: {len(lines)} lines (over {MAX_MODULE}; split it or say why)")
        for fn in functions(path, ast.parse(text)):
            if fn.lines > MAX_FUNCTION and not excused(lines, fn.line, "# long:"):
                problems.append(
                    f"{rel}:{fn.line}: {fn.name} has {fn.lines} lines "
                    f"(over {MAX_FUNCTION}; split it or add '# long: <why>' above the def)"
                )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="print the largest per package")
    args = parser.parse_args()
    paths = sources()
    if args.report:
        report(paths)
        return 0
    problems = check(paths)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check_sizes: {len(problems)} over the limits (ADR 0019)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
