"""Composition root of the recorder service: segments into S3, index, holds (issue 5)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from tncam_contracts.catalog import RECORDING_STREAM
from tncam_mesh.runtime import Runtime, declare_streams, run_service
from tncam_mesh.service_db import open_database
from tncam_recorder.settings import RecorderSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[RecorderSettings]) -> AsyncIterator[None]:
    """Open the recorder schema and declare the stream of stored-segment events."""
    async with open_database(rt.settings, rt.health, migrations=MIGRATIONS):
        await declare_streams(rt, RECORDING_STREAM)
        yield


def main() -> None:
    """Run the recorder service."""
    run_service(RecorderSettings, lifespan)
