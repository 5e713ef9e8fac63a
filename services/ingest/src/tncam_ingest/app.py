"""Composition root of the ingest service: RTSP pull, segmenting, camera health (issue 4)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from tncam_contracts.catalog import CAMERA_STREAM, RECORDING_HANDOFF_STREAM
from tncam_ingest.settings import IngestSettings
from tncam_mesh.runtime import Runtime, declare_streams, run_service


@contextlib.asynccontextmanager
async def lifespan(rt: Runtime[IngestSettings]) -> AsyncIterator[None]:
    """Declare the streams ingest produces: camera events and the segment hand-off."""
    await declare_streams(rt, CAMERA_STREAM, RECORDING_HANDOFF_STREAM)
    yield


def main() -> None:
    """Run the ingest service."""
    run_service(IngestSettings, lifespan)
