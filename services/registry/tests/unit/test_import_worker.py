"""The import use case reads files in its worker process: a file slower than the time limit is
refused as a file error (the gateway's 422), and imports beyond the one running and the one
waiting are refused at once as busy (503, retryable).

None of these files gets as far as the database: the context has none.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from openpyxl import Workbook
from prometheus_client import CollectorRegistry

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import service_pb2
from tncam_mesh.errors import UnavailableError
from tncam_mesh.workers import ProcessWorker
from tncam_registry.bus.outbox import Outbox
from tncam_registry.db.credentials import CredentialBox
from tncam_registry.domain.calendar import WorkingCalendar
from tncam_registry.metrics import RegistryMetrics
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.imports import import_cameras

ADMIN = actor_pb2.Actor(id="admin-1", role=actor_pb2.ROLE_PROVINCE_ADMIN)


@pytest.fixture(scope="module")
def xlsx_20k_rows() -> bytes:
    """A file at the row limit: a second or more to read and check, under every size limit."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["code", "name", "commune_code", "site_kind", "rtsp_url"])
    for i in range(20_000):
        ws.append([f"cam-{i}", f"Camera {i}", "01", "square", f"rtsp://10.0.0.1/{i}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def _context(timeout_s: float) -> RegistryContext:
    worker = ProcessWorker("registry.import_cameras", timeout_s=timeout_s)
    await worker.start()
    return RegistryContext(
        sessions=cast(Any, None),
        box=CredentialBox("unit-test-" + "k" * 32),
        calendar=WorkingCalendar(),
        outbox=Outbox("", audit_subject="unit"),
        relay=None,
        metrics=RegistryMetrics(CollectorRegistry()),
        import_worker=worker,
    )


@pytest.fixture
async def slow_limit() -> AsyncIterator[RegistryContext]:
    ctx = await _context(timeout_s=0.3)
    try:
        yield ctx
    finally:
        ctx.import_worker.close()


@pytest.fixture
async def ample_limit() -> AsyncIterator[RegistryContext]:
    ctx = await _context(timeout_s=60)
    try:
        yield ctx
    finally:
        ctx.import_worker.close()


def _request(content: bytes, filename: str = "cams.xlsx") -> service_pb2.ImportCamerasRequest:
    return service_pb2.ImportCamerasRequest(
        actor=ADMIN, filename=filename, content=content, dry_run=True
    )


async def test_a_file_slower_than_the_time_limit_is_refused_as_a_file_error(
    slow_limit: RegistryContext, xlsx_20k_rows: bytes
) -> None:
    started = time.monotonic()
    reply = await import_cameras(slow_limit, _request(xlsx_20k_rows))
    assert time.monotonic() - started < 2.0
    assert not reply.accepted
    assert [(e.row, e.code) for e in reply.errors] == [(0, "parse_timeout")]
    assert "0.3" in reply.errors[0].message
    # The killed worker is replaced: the next file is read (and refused for its content).
    reply = await import_cameras(slow_limit, _request(b"code,name\nx,y\n", "cams.csv"))
    assert {e.code for e in reply.errors} == {"missing_column"}


async def test_imports_beyond_the_running_and_the_waiting_one_are_refused_at_once(
    ample_limit: RegistryContext, xlsx_20k_rows: bytes
) -> None:
    running = asyncio.create_task(import_cameras(ample_limit, _request(xlsx_20k_rows)))
    await asyncio.sleep(0.2)
    waiting = asyncio.create_task(import_cameras(ample_limit, _request(xlsx_20k_rows)))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    with pytest.raises(UnavailableError) as busy:
        await import_cameras(ample_limit, _request(xlsx_20k_rows))
    assert time.monotonic() - started < 0.1
    assert busy.value.code == "registry.import_cameras.busy"
    assert busy.value.retryable
    for reply in await asyncio.gather(running, waiting):
        # Read and checked in full: every row names a commune this empty registry lacks.
        assert reply.rows == 20_000
        assert {e.code for e in reply.errors} == {"unknown_commune"}
