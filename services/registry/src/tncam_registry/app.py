"""Composition root of the registry service: communes, units, cameras, state (issue 3)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from tncam_contracts.catalog import REGISTRY_STREAM
from tncam_mesh.runtime import Runtime, declare_streams, run_service
from tncam_mesh.service_db import open_database
from tncam_registry.settings import RegistrySettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[RegistrySettings]) -> AsyncIterator[None]:
    """Open the registry schema and declare the stream of camera configuration changes."""
    async with open_database(rt.settings, rt.health, migrations=MIGRATIONS):
        await declare_streams(rt, REGISTRY_STREAM)
        yield


def main() -> None:
    """Run the registry service."""
    run_service(RegistrySettings, lifespan)
