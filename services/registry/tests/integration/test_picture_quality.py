"""Picture quality from a real ingest worker against the GStreamer camera simulator.

Black, frozen (a still picture) and H.264-declared-H.265 cameras: ingest's snapshot results
land on the camera (API view, history, compliance), in the listing filter, in the report's
quality list (message, JSON, XLSX) and in the per-commune gauge (issue 14 item 3).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from tncam.registry.v1 import camera_state_pb2, service_pb2
from tncam_contracts import catalog
from tncam_ingest.metrics import IngestMetrics
from tncam_ingest.service.worker import IngestWorker
from tncam_ingest.settings import IngestSettings
from tncam_mesh.jetstream import ensure_stream
from tncam_testkit.cameras import CameraSimulator, make_quality_clips

from .conftest import ADMIN, Harness, eventually

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def ingest_worker(registry: Harness, tmp: Path) -> AsyncIterator[None]:
    """One real ingest worker on the registry's bus and namespace (snapshots every second)."""
    for spec in (catalog.RECORDING_HANDOFF_STREAM, catalog.AUDIT_STREAM):
        await ensure_stream(registry.bus.js, spec.scoped(registry.namespace))
    settings = IngestSettings(
        environment="test",
        nats_url=registry.settings.nats_url,
        nats_namespace=registry.namespace,
        spool_dir=tmp / "spool",
        worker_id="q1",
        segment_target_s=2.0,
        stats_interval_s=1.0,
        snapshot_interval_s=1.0,
        quality_frozen_snapshots=2,
        reconnect_initial_s=0.5,
        reconnect_max_s=2.0,
        lease_renew_s=1.0,
        lease_fence_s=6.0,
    )
    worker = IngestWorker(settings, registry.bus, IngestMetrics(), None)
    await worker.open()
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield
    finally:
        stop.set()
        async with asyncio.timeout(20):
            await task


async def create(registry: Harness, camera_id: str, url: str, commune: str) -> None:
    await registry.call(
        catalog.REGISTRY_CREATE_CAMERA,
        service_pb2.CreateCameraRequest(
            actor=ADMIN,
            id=camera_id,
            fields=service_pb2.CameraFields(
                name=f"Camera {camera_id}",
                commune_code=commune,
                site_kind="committee_hq",
                rtsp_url=url,
                declared_codec="hevc",
                resolution="320x240",
            ),
        ),
        service_pb2.CreateCameraReply,
    )


async def camera(registry: Harness, camera_id: str) -> service_pb2.Camera:
    reply = await registry.call(
        catalog.REGISTRY_GET_CAMERA,
        service_pb2.GetCameraRequest(actor=ADMIN, id=camera_id),
        service_pb2.GetCameraReply,
    )
    return reply.camera


async def listed(registry: Harness, **filters: list[str]) -> set[str]:
    reply = await registry.call(
        catalog.REGISTRY_LIST_CAMERAS,
        service_pb2.ListCamerasRequest(actor=ADMIN, **filters),
        service_pb2.ListCamerasReply,
    )
    return {c.id for c in reply.cameras}


async def report(registry: Harness, fmt: int) -> service_pb2.GetConnectionReportReply:
    return await registry.call(
        catalog.REGISTRY_GET_CONNECTION_REPORT,
        service_pb2.GetConnectionReportRequest(actor=ADMIN, format=fmt),
        service_pb2.GetConnectionReportReply,
    )


async def test_black_frozen_and_h264_cameras_are_poor_everywhere(
    registry: Harness, camera_fleet: CameraSimulator, tmp_path: Path
) -> None:
    clips = make_quality_clips(tmp_path / "clips")
    with CameraSimulator(tmp_path / "sim", cameras=2, h264_cameras=(2,), clips=clips) as sim:
        await create(registry, "q-black", sim.url(1), "07")
        await create(registry, "q-still", sim.url(2), "07")  # H.264, declared H.265
        await create(registry, "q-good", camera_fleet.url(3), "08")
        async with ingest_worker(registry, tmp_path):

            async def results_in() -> None:
                black = await camera(registry, "q-black")
                still = await camera(registry, "q-still")
                good = await camera(registry, "q-good")
                assert "black" in black.quality.flags, black.quality
                assert {"frozen", "codec_mismatch"} <= set(still.quality.flags), still.quality
                assert good.quality.verdict == "good", good.quality
                assert still.measured_codec == "h264"
                assert len(black.quality.history) >= 2

            await eventually(results_in, timeout=40, interval=0.5)
            black = await camera(registry, "q-black")
            still = await camera(registry, "q-still")
            good = await camera(registry, "q-good")

            # Connected, yet poor: the API says both.
            assert black.state == camera_state_pb2.CAMERA_STATE_CONNECTED
            assert black.quality.verdict == "poor"
            assert black.quality.summary.startswith("Có kết nối — hình ảnh kém (hình đen")
            assert black.quality.HasField("poor_since")
            assert black.quality.resolution == "320x240"
            assert black.quality.fps > 5
            assert not black.quality.HasField("last_good_at")  # never a good picture
            assert [h.at.ToDatetime() for h in black.quality.history] == sorted(
                (h.at.ToDatetime() for h in black.quality.history), reverse=True
            )
            # Measured H.264 on a camera declared H.265: compliance follows the measurement.
            assert {"codec_not_h265", "measured_codec_not_h265", "codec_not_as_declared"} <= set(
                still.compliance_issues
            )
            assert still.declared_codec == "hevc"
            assert "codec_not_h265" not in good.compliance_issues
            assert good.quality.HasField("last_good_at")
            assert good.quality.summary == "Có kết nối — hình ảnh tốt"

            # The listing filters by verdict and by flag.
            assert await listed(registry, qualities=["poor"]) == {"q-black", "q-still"}
            assert await listed(registry, qualities=["good"]) == {"q-good"}
            assert await listed(registry, quality_flags=["black"]) == {"q-black"}
            assert await listed(registry, quality_flags=["codec_mismatch", "black"]) == {
                "q-black",
                "q-still",
            }
            assert await listed(registry, qualities=["unknown"]) == set()

            # The report's quality list: message, JSON and XLSX.
            as_json = await report(registry, service_pb2.REPORT_FORMAT_JSON)
            entries = [(e.commune_code, e.camera_id) for e in as_json.report.quality]
            assert entries == [("07", "q-black"), ("07", "q-still")]
            assert "hình đen" in as_json.report.quality[0].text
            doc = json.loads(as_json.document)
            assert [q["camera_id"] for q in doc["quality"]] == ["q-black", "q-still"]
            assert "codec_mismatch" in doc["quality"][1]["flags"]
            as_xlsx = await report(registry, service_pb2.REPORT_FORMAT_XLSX)
            sheet = load_workbook(io.BytesIO(as_xlsx.document))["Hình ảnh kém"]
            cells = [row for row in sheet.iter_rows(min_row=3, values_only=True)]
            assert [r[2] for r in cells] == ["q-black", "q-still"]
            assert str(cells[0][5]).startswith("Có kết nối — hình ảnh kém")

            # The gauge of poor pictures by commune (every commune has a series).
            async def gauge() -> None:
                async with httpx.AsyncClient() as client:
                    text = (await client.get(f"{registry.url}/metrics")).text
                assert 'tncam_registry_cameras_poor_quality{commune="07"} 2.0' in text
                assert 'tncam_registry_cameras_poor_quality{commune="08"} 0.0' in text

            await eventually(gauge)

    # Off the network, a camera's last result says nothing of now: its verdict is unknown.
    async def unknown_when_lost() -> None:
        lost = await camera(registry, "q-black")
        assert lost.state == camera_state_pb2.CAMERA_STATE_LOST
        assert lost.quality.verdict == "unknown"
        assert lost.quality.summary == "Mất kết nối"

    await eventually(unknown_when_lost, timeout=20, interval=0.5)
    assert "q-black" in await listed(registry, qualities=["unknown"])
