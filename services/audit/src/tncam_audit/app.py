"""Composition root of the audit service: the append-only, hash-chained log (issue 6)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from tncam_audit.settings import AuditSettings
from tncam_contracts.catalog import AUDIT_STREAM, DEADLETTER_STREAM
from tncam_mesh.runtime import Runtime, declare_streams, run_service
from tncam_mesh.service_db import open_database

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[AuditSettings]) -> AsyncIterator[None]:
    """Open the audit schema and declare the audit and dead-letter streams."""
    async with open_database(rt.settings, rt.health, migrations=MIGRATIONS):
        await declare_streams(rt, AUDIT_STREAM, DEADLETTER_STREAM)
        yield


def main() -> None:
    """Run the audit service."""
    run_service(AuditSettings, lifespan)
