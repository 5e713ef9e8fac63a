"""Fail when the console's generated API client (services/console/src/api) is not what
@hey-api/openapi-ts makes from the committed services/gateway/openapi.json (`make openapi`
regenerates both)."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSOLE = ROOT / "services" / "console"
COMMITTED = CONSOLE / "src" / "api"


def _files(base: Path) -> set[str]:
    return {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="tncam-console-client-") as tmp:
        out = Path(tmp) / "api"
        env = {**os.environ, "TNCAM_TS_OUTPUT": str(out)}
        done = subprocess.run(
            ["npm", "run", "--silent", "generate"],
            cwd=CONSOLE,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            print(done.stdout + done.stderr, file=sys.stderr)
            return 1
        fresh, committed = _files(out), _files(COMMITTED)
        stale = sorted(fresh ^ committed) + sorted(
            name
            for name in fresh & committed
            if not filecmp.cmp(out / name, COMMITTED / name, shallow=False)
        )
    if stale:
        print(
            "services/console/src/api is stale (run `make openapi`): " + ", ".join(stale),
            file=sys.stderr,
        )
        return 1
    print("console API client up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
