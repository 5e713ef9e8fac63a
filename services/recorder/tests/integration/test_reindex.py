"""The segment index rebuilt from the bucket (issue 19, ``tncam recorder reindex``), on both S3
backends with real PostgreSQL and NATS.

Rows lost as a restore loses them (stored after the last archived WAL) come back from the
objects' own metadata exactly as the write path made them, with their init segment and the
legal holds that cover them; a second run adds nothing; an object without index metadata is
left out and counted; the run is audited with its counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
import sqlalchemy as sa

from tncam_recorder.domain.keys import segment_key
from tncam_recorder.service.holds import place_hold
from tncam_recorder.service.reindex import reindex

from .conftest import OFFICER, T0, Harness, held_in_store

pytestmark = pytest.mark.integration
S = dt.timedelta(seconds=1)
# Columns the rebuilt row must give back as written (live_seq is renumbered, stored_at is the
# object's time).
SAME = [
    "segment_id",
    "idempotency_key",
    "camera_id",
    "start_at",
    "end_at",
    "duration_ms",
    "bytes",
    "sha256",
    "bucket",
    "object_key",
    "version_id",
    "init_sha256",
    "retention_class",
    "commune_code",
    "session_id",
    "sequence",
    "codec_string",
    "width",
    "height",
]


async def _forget(h: Harness, cam: str, since: dt.datetime, *, init: bool) -> None:
    """What a restore to an older point loses: the camera's rows from ``since`` on."""
    async with h.engine.begin() as c:
        p = {"c": cam, "t": since}
        await c.execute(
            sa.text(
                "DELETE FROM segment_holds WHERE segment_id IN (SELECT segment_id FROM segments"
                " WHERE camera_id = :c AND start_at >= :t)"
            ),
            p,
        )
        await c.execute(sa.text("DELETE FROM segments WHERE camera_id = :c AND start_at >= :t"), p)
        if init:
            await c.execute(sa.text("DELETE FROM init_segments WHERE camera_id = :c"), p)


def _cols(rows: list[Any]) -> list[dict[str, Any]]:
    return [{k: getattr(r, k) for k in SAME} for r in rows]


async def test_lost_rows_come_back_from_the_objects(harness: Harness) -> None:
    h = harness
    cam1, cam2 = h.camera(1), h.camera(2)
    await h.write_direct(cam1, 3, T0)
    await h.write_direct(cam2, 2, T0)
    hold = await place_hold(
        h.rec,
        case_reference="VV-2026-0901",
        authority="Công an tỉnh Thái Nguyên",
        reason="Điều tra",
        camera_ids=[cam2],
        start=T0,
        end=T0 + S,
        actor=OFFICER,
        document_number="901/CV",
    )
    before1, before2 = await h.rows(cam1), await h.rows(cam2)
    await _forget(h, cam1, T0 + S, init=False)
    await _forget(h, cam2, T0, init=True)
    # A foreign object (no index metadata) under a camera's hour: counted, left out.
    stray = b"not a tncam segment"
    await h.rec.store.put(
        segment_key(cam1, T0 + 30 * S),
        stray,
        sha256=hashlib.sha256(stray).hexdigest(),
        content_type="video/iso.segment",
    )
    assert len(await h.rows(cam1)) == 1
    assert await h.rows(cam2) == []

    res = await reindex(h.rec, T0 - dt.timedelta(minutes=5), concurrency=2)
    assert (res.added, res.inits_added, res.unlabelled, res.without_init) == (4, 1, 1, 0)
    assert res.already_indexed == 1
    assert res.cameras == 2
    assert res.listed == 6
    after1, after2 = await h.rows(cam1), await h.rows(cam2)
    assert _cols(after1) == _cols(before1)
    assert _cols(after2) == _cols(before2)
    assert [r.live_seq for r in after1] == [1, 2, 3]
    # The hold still in the index keeps the segment it covers, in the index and in the store.
    assert [r.held for r in after2] == [True, False]
    assert held_in_store(h, after2[0].object_key, after2[0].version_id)
    async with h.engine.connect() as c:
        linked = (
            await c.execute(
                sa.text("SELECT hold_id FROM segment_holds WHERE segment_id = :s"),
                {"s": after2[0].segment_id},
            )
        ).scalars()
        assert list(linked) == [hold.hold.hold_id]
    async with h.engine.connect() as c:
        inits = (
            await c.execute(
                sa.text("SELECT sha256 FROM init_segments WHERE camera_id = :c"), {"c": cam2}
            )
        ).scalars()
        assert list(inits) == [h.media.init_sha]

    again = await reindex(h.rec, T0 - dt.timedelta(minutes=5))
    assert (again.added, again.inits_added, again.already_indexed) == (0, 0, 5)
    assert _cols(await h.rows(cam1)) == _cols(before1)

    rebuilt = [e for e in await h.audit_events() if e.action == "footage.index.rebuilt"]
    assert len(rebuilt) == 2
    counts = json.loads(rebuilt[0].after_json)
    assert counts["added"] == 4
    assert counts["unlabelled"] == 1
    assert rebuilt[0].target.other.id == h.rec.store.bucket
    assert rebuilt[0].target.other.kind == "segment_index"
