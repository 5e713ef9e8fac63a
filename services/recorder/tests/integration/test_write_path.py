"""The lean write path and the races around it, on both S3 backends with real PostgreSQL.

- the store itself refuses bytes that do not match ``x-amz-checksum-sha256`` (the recorder
  relies on it instead of hashing every segment again);
- a conditional PUT makes a replay reuse the stored version (no second version), with or
  without a HEAD first;
- a legal hold placed while a retention-sweep batch runs keeps the batch's segments that were
  not being deleted yet;
- an init segment purged as an orphan while a segment of a new session is being written is
  stored again (or the segment waits), never left referenced and missing.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import os
from typing import Any

import pytest
import sqlalchemy as sa
from minio.error import S3Error

from tncam_mesh.errors import InvalidInputError, UnavailableError
from tncam_recorder.domain.keys import init_key, segment_key
from tncam_recorder.service.holds import place_hold
from tncam_recorder.service.segments import Segments
from tncam_recorder.service.sweep import purge_orphan_inits, sweep
from tncam_recorder.storage.s3 import ObjectDiffersError

from .conftest import OFFICER, T0, Harness, eventually, held_in_store, versions

pytestmark = pytest.mark.integration


async def test_store_verifies_the_sha256_checksum(harness: Harness) -> None:
    h = harness
    store = h.rec.store
    data = os.urandom(300_000)
    good = hashlib.sha256(data).hexdigest()
    bad = hashlib.sha256(b"not these bytes").hexdigest()
    key = f"cameras/{h.camera(1)}/checksum.m4s"
    # Through the recorder: refused, permanent, nothing stored.
    with pytest.raises(InvalidInputError) as err:
        await store.put(key, data, sha256=bad, content_type="video/iso.segment")
    assert err.value.code == "recording.object.checksum_mismatch"
    assert versions(h, key, exact=True) == []
    # Straight through the SDK too, so the proof does not depend on our client code.
    client = h.endpoint.client()
    headers = {
        "Content-Type": "application/octet-stream",
        "x-amz-checksum-sha256": base64.b64encode(bytes.fromhex(bad)).decode(),
    }
    with pytest.raises(S3Error) as s3err:
        client._put_object(store.bucket, key, data, headers)
    assert s3err.value.code in {"XAmzContentChecksumMismatch", "BadDigest"}
    assert versions(h, key, exact=True) == []
    # The right checksum is accepted, stored and echoed back.
    written = await store.put(key, data, sha256=good, content_type="video/iso.segment")
    assert not written.reused
    stat = client.stat_object(store.bucket, key)
    assert stat.version_id == written.version_id
    assert stat.size == len(data)


async def test_a_replay_reuses_the_stored_version(harness: Harness) -> None:
    h = harness
    store = h.rec.store
    data = os.urandom(200_000)
    sha = hashlib.sha256(data).hexdigest()
    key = f"cameras/{h.camera(1)}/replay.m4s"
    first = await store.put(key, data, sha256=sha, content_type="video/iso.segment")
    # Conditional PUT answered 412, then the current version is read back; or a HEAD first.
    again = await store.put(key, data, sha256=sha, content_type="video/iso.segment")
    headed = await store.put(
        key, data, sha256=sha, content_type="video/iso.segment", maybe_stored=True
    )
    assert again.reused
    assert headed.reused
    assert again.version_id == headed.version_id == first.version_id
    assert [v.version_id for v in versions(h, key, exact=True)] == [first.version_id]
    # Other bytes under the key are never silently put over it...
    other = os.urandom(1000)
    other_sha = hashlib.sha256(other).hexdigest()
    with pytest.raises(ObjectDiffersError):
        await store.put(key, other, sha256=other_sha, content_type="video/iso.segment")
    assert len(versions(h, key, exact=True)) == 1
    # ...only when asked to.
    replaced = await store.put(
        key, other, sha256=other_sha, content_type="video/iso.segment", overwrite=True
    )
    assert replaced.version_id != first.version_id
    assert len(versions(h, key, exact=True)) == 2


async def test_a_segment_stored_but_never_indexed_is_not_stored_twice(harness: Harness) -> None:
    """A crash between the PUT and the index commit, then the segment comes again as a *first*
    delivery (ingest re-publishing it after its duplicate window): one version, one row."""
    h = harness
    cam = h.camera(1)
    writer = Segments(h.rec)
    await writer.write(h.closed(cam, 0, start=T0))  # stores the init (and a first segment)
    msg = h.closed(cam, 1, start=T0 + dt.timedelta(seconds=1), init=False)
    key = segment_key(cam, T0 + dt.timedelta(seconds=1))
    orphan = await h.rec.store.put(
        key, msg.media_bytes, sha256=msg.sha256, content_type="video/iso.segment"
    )
    row = await writer.write(msg)  # num_delivered == 1: no HEAD, the conditional PUT finds it
    assert row.version_id == orphan.version_id
    assert [v.version_id for v in versions(h, key, exact=True)] == [orphan.version_id]
    # The same message again, as a redelivery: the row is found, nothing touches the store.
    assert (await writer.write(msg, redelivered=True)).version_id == orphan.version_id
    assert [v.version_id for v in versions(h, key, exact=True)] == [orphan.version_id]
    assert len(await h.rows(cam)) == 2


async def test_a_hold_placed_during_a_sweep_batch_keeps_what_is_not_deleted_yet(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    cam = h.camera(1)
    await h.write_direct(cam, 4, T0)
    store = h.rec.store
    real_purge = store.purge
    hold_task: list[asyncio.Task[Any]] = []

    async def hold_is_recorded() -> bool:
        async with h.engine.connect() as c:
            n = await c.execute(
                sa.text("SELECT count(*) FROM legal_holds WHERE :c = ANY(camera_ids)"), {"c": cam}
            )
            return int(n.scalar_one()) == 1

    async def purge_then_hold(prefix: str, *, exact: bool = False) -> int:
        deleted = await real_purge(prefix, exact=exact)
        if not hold_task:
            # The sweep has selected (and locked) all four expired segments and deleted the
            # first: now a case hold on the whole range arrives.
            hold_task.append(
                asyncio.create_task(
                    place_hold(
                        h.rec,
                        case_reference="VV-2026-0777",
                        authority="Công an tỉnh Thái Nguyên",
                        reason="Điều tra vụ tai nạn giao thông",
                        camera_ids=[cam],
                        start=T0,
                        end=T0 + dt.timedelta(minutes=1),
                        actor=OFFICER,
                        document_number="77/CV-CSGT",
                    )
                )
            )
            await eventually(hold_is_recorded)
        return deleted

    monkeypatch.setattr(store, "purge", purge_then_hold)
    result = await sweep(h.rec, now=T0 + dt.timedelta(days=31))
    placed = await hold_task[0]
    assert result.segments == 1  # only the one already deleted when the hold came
    assert placed.segments_changed == 3  # the rest: marked once the sweep let go of them
    rows = await h.rows(cam)
    assert [r.start_at for r in rows] == [T0 + dt.timedelta(seconds=s) for s in (1, 2, 3)]
    for r in rows:
        assert r.held
        assert [v.version_id for v in versions(h, r.object_key, exact=True)] == [r.version_id]
        assert held_in_store(h, r.object_key, r.version_id)
    # A later sweep leaves them alone too, and the audit log says what happened.
    assert (await sweep(h.rec, now=T0 + dt.timedelta(days=32))).segments == 0
    events = await h.audit_events()
    kept = [e for e in events if e.action == "footage.retention.kept"]
    assert len(kept) == 1
    assert json.loads(kept[0].after_json)["segments"] == 3


async def test_an_init_purged_while_a_new_session_writes_is_stored_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    cam = h.camera(1)
    writer = Segments(h.rec)
    await writer.write(h.closed(cam, 0, start=T0))
    # The old session's footage is gone (expired): its init is an orphan now.
    async with h.engine.begin() as c:
        await c.execute(sa.text("DELETE FROM segments WHERE camera_id = :c"), {"c": cam})
    ikey = init_key(cam, h.media.init_sha)
    store = h.rec.store
    real_put = store.put
    purged: list[int] = []

    async def put_while_purging(key: str, data: bytes, **kw: Any) -> Any:
        written = await real_put(key, data, **kw)
        if key.endswith(".m4s") and not purged:
            # The writer already knows the init (row and cache): the orphan purge runs now,
            # between its lookup and its index transaction.
            purged.append(await purge_orphan_inits(h.rec, cam))
        return written

    monkeypatch.setattr(store, "put", put_while_purging)
    # A new session starts with the same init (same encoder settings): carried by the message.
    later = T0 + dt.timedelta(days=40)
    row = await writer.write(h.closed(cam, 1, start=later, init=True))
    assert purged == [1]
    assert row.init_sha256 == h.media.init_sha
    assert len(versions(h, ikey, exact=True)) == 1  # stored again, and indexed again
    async with h.engine.connect() as c:
        n = await c.execute(
            sa.text("SELECT count(*) FROM init_segments WHERE camera_id = :c"), {"c": cam}
        )
        assert n.scalar_one() == 1

    # Same race for a segment that does not carry the init: it waits (retryable), nothing is
    # indexed against a missing init.
    async with h.engine.begin() as c:
        await c.execute(sa.text("DELETE FROM segments WHERE camera_id = :c"), {"c": cam})
    purged.clear()
    with pytest.raises(UnavailableError) as err:
        await writer.write(h.closed(cam, 2, start=later + dt.timedelta(seconds=1), init=False))
    assert err.value.code == "recording.init.unknown"
    assert purged == [1]
    assert await h.rows(cam) == []


async def test_the_orphan_purge_skips_an_init_a_writer_is_indexing_with(harness: Harness) -> None:
    h = harness
    cam = h.camera(1)
    writer = Segments(h.rec)
    await writer.write(h.closed(cam, 0, start=T0))
    async with h.engine.begin() as c:
        await c.execute(sa.text("DELETE FROM segments WHERE camera_id = :c"), {"c": cam})
    # A writer's index transaction holds the init row share-locked (db.inits.lock_init).
    async with h.engine.connect() as c, c.begin():
        await c.execute(
            sa.text("SELECT 1 FROM init_segments WHERE camera_id = :c FOR SHARE"), {"c": cam}
        )
        assert await purge_orphan_inits(h.rec, cam) == 0
    assert len(versions(h, init_key(cam, h.media.init_sha), exact=True)) == 1
    assert await purge_orphan_inits(h.rec, cam) == 1  # an orphan once nobody uses it
    assert versions(h, init_key(cam, h.media.init_sha), exact=True) == []
