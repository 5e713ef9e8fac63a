#!/usr/bin/env python3
"""Write the chart's values table (helm/tncam/README.md) from the `# --` comments of values.yaml.

helm-docs style: a `# -- text` comment (continued by `# ` lines) right above a key documents that
key, and with it everything below it. Every value must be documented by its own comment or an
ancestor's; `--check` (in `make lint`) fails on an undocumented value or a stale table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
VALUES = ROOT / "helm" / "tncam" / "values.yaml"
README = ROOT / "helm" / "tncam" / "README.md"
START = "<!-- values-table:start (scripts/gen_values_table.py) -->"
END = "<!-- values-table:end -->"
KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.\-/]+):(?P<rest>.*)$")


def comments(text: str) -> dict[tuple[str, ...], str]:
    """The `# --` comment of each documented key, by key path."""
    docs: dict[tuple[str, ...], str] = {}
    stack: list[tuple[int, str]] = []
    pending: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# --") and not stripped.startswith("# ---"):
            pending = [stripped[4:].strip()]
            continue
        if stripped.startswith("#"):
            if pending is not None:
                pending.append(stripped[1:].strip())
            continue
        match = KEY.match(line)
        if not match:
            if not stripped:
                pending = None
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = (*(k for _, k in stack), match["key"])
        if pending is not None:
            docs[path] = " ".join(pending)
            pending = None
        rest = match["rest"].split(" #", 1)[0].strip()
        if not rest:
            stack.append((indent, match["key"]))
    return docs


def leaves(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every value's path: scalars, lists and empty maps are leaves."""
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in leaves(v, (*path, str(k)))]
    return [path]


def lookup(values: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = values
    for key in path:
        node = node[key]
    return node


def kind(value: Any) -> str:
    return {bool: "bool", int: "int", float: "float", str: "string", list: "list", dict: "object"}[
        type(value)
    ]


def table(text: str) -> str:
    """The Markdown table of every documented value, in file order."""
    values = yaml.safe_load(text)
    docs = comments(text)
    missing = [
        ".".join(p) for p in leaves(values) if not any(p[:n] in docs for n in range(1, len(p) + 1))
    ]
    if missing:
        raise SystemExit(f"values.yaml: no `# --` comment for {', '.join(missing)}")
    rows = ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    for path, doc in docs.items():
        value = lookup(values, path)
        default = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        cell, text_cell = default.replace("|", "\\|"), doc.replace("|", "\\|")
        rows.append(f"| `{'.'.join(path)}` | {kind(value)} | `{cell}` | {text_cell} |")
    return "\n".join(rows)


def render(readme: str, values_text: str) -> str:
    head, sep, rest = readme.partition(START)
    if not sep or END not in rest:
        raise SystemExit(f"{README.name}: markers {START!r} ... {END!r} not found")
    tail = rest.split(END, 1)[1]
    return f"{head}{START}\n{table(values_text)}\n{END}{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if README.md is stale")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    wanted = render(current, VALUES.read_text(encoding="utf-8"))
    if args.check:
        if wanted != current:
            sys.exit("helm/tncam/README.md: the values table is stale: run `make values-table`")
        return
    README.write_text(wanted, encoding="utf-8")
    print("gen_values_table: helm/tncam/README.md updated")


if __name__ == "__main__":
    main()
