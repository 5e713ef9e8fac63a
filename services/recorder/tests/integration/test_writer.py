"""Writing: hand-off -> S3 + index -> SegmentStored; idempotent on redelivery; bucket setup."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
from minio.commonconfig import ENABLED

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import DEADLETTER_STREAM, RECORDING_STREAM, SEGMENT_STORED
from tncam_mesh.errors import ConfigurationError
from tncam_recorder.domain.keys import TAG_RETENTION, init_key, segment_id
from tncam_recorder.domain.retention import lifecycle_rules
from tncam_recorder.domain.signing import segment_id_key
from tncam_recorder.storage.s3 import ObjectStore

from .conftest import T0, Harness, eventually

pytestmark = pytest.mark.integration


async def test_provisioning_is_idempotent_and_checked_back(harness: Harness) -> None:
    store = harness.rec.store
    rules = lifecycle_rules(harness.settings.retention_classes)
    assert await store.provision(rules) == "existing"
    client = harness.endpoint.client()
    assert client.get_bucket_versioning(store.bucket).status == ENABLED
    client.get_object_lock_config(store.bucket)  # raises without object lock
    got = sorted(await store.lifecycle(), key=lambda r: r.rule_id)
    assert got == sorted(rules, key=lambda r: r.rule_id)
    by_id = {r.rule_id: r for r in got}
    assert by_id["retention-d30"].expiration_days == 30
    assert by_id["retention-d30"].tag == (TAG_RETENTION, "d30")
    assert by_id["retention-d365"].expiration_days == 365
    purge = by_id["purge-noncurrent-and-delete-markers"]
    assert purge.noncurrent_days == 1
    assert purge.expired_delete_marker


async def test_refuses_a_bucket_without_object_lock(harness: Harness) -> None:
    plain = f"plain-{uuid.uuid4().hex[:10]}"
    client = harness.endpoint.client()
    client.make_bucket(plain)
    ep = harness.endpoint
    store = ObjectStore(
        endpoint=ep.endpoint, access_key=ep.access_key, secret_key=ep.secret_key, bucket=plain
    )
    try:
        with pytest.raises(ConfigurationError) as err:
            await store.provision(lifecycle_rules({"d30": 30}))
        assert err.value.code == "recording.bucket.no_object_lock"
        assert "has no object lock" in err.value.message
        assert plain in err.value.message
    finally:
        store.close()
        client.remove_bucket(plain)


async def test_segments_stored_indexed_confirmed_once_despite_redelivery(harness: Harness) -> None:
    h = harness
    cam = h.camera(1)
    msgs = [h.closed(cam, i, start=T0 + dt.timedelta(seconds=i), init=i == 0) for i in range(4)]
    # The second segment arrives before the first (its init is not stored yet): retried.
    for m in [msgs[1], msgs[0], msgs[2], msgs[3]]:
        await h.publish_closed(m)
    h.start_writers(2)

    async def indexed() -> bool:
        return len(await h.rows(cam)) == 4

    await eventually(indexed)
    # Redelivery (a new Nats-Msg-Id, as after ingest's duplicate window): no new object or row.
    for m in msgs:
        await h.publish_closed(m, msg_id=f"again-{m.idempotency_key}")
    info = await h.bus.js.stream_info(f"{h.ns.upper()}_RECORDING_HANDOFF")

    async def drained() -> bool:
        i = await h.bus.js.stream_info(info.config.name)
        return i.state.messages == 0

    await eventually(drained)
    rows = await h.rows(cam)
    assert len(rows) == 4
    client = h.endpoint.client()
    bucket = h.rec.store.bucket
    for m, row in zip(msgs, rows, strict=True):
        assert row.segment_id == segment_id(m.idempotency_key, segment_id_key(h.rec.signing_key))
        assert row.sha256 == m.sha256
        assert row.object_key.startswith(f"cameras/{cam}/2026/11/20/01/")
        assert row.retention_class == "d30"
        versions = list(client.list_objects(bucket, prefix=row.object_key, include_version=True))
        assert [v.version_id for v in versions] == [row.version_id]
        resp = client.get_object(bucket, row.object_key)
        try:
            assert hashlib.sha256(resp.read()).hexdigest() == m.sha256
        finally:
            resp.close()
            resp.release_conn()
        assert client.get_object_tags(bucket, row.object_key)[TAG_RETENTION] == "d30"
    init_versions = list(
        client.list_objects(bucket, prefix=init_key(cam, h.media.init_sha), include_version=True)
    )
    assert len(init_versions) == 1

    stream = RECORDING_STREAM.scoped(h.ns)
    sub = await h.bus.js.pull_subscribe(
        SEGMENT_STORED.filter(h.ns), durable=None, stream=stream.name
    )
    stored = [segment_pb2.SegmentStored.FromString(x.data) for x in await sub.fetch(20, timeout=2)]
    await sub.unsubscribe()
    assert sorted(s.idempotency_key for s in stored) == sorted(m.idempotency_key for m in msgs)
    assert all(s.bucket == bucket and s.version_id for s in stored)
    assert h.rec.metrics.segments_written.labels(result="stored")._value.get() == 4
    assert h.rec.metrics.segments_written.labels(result="duplicate")._value.get() == 4


async def test_corrupt_segment_goes_to_dead_letters(harness: Harness) -> None:
    h = harness
    cam = h.camera(2)
    bad = h.closed(cam, 0, start=T0)
    bad.sha256 = hashlib.sha256(b"something else").hexdigest()
    await h.publish_closed(bad)
    h.start_writers(1)
    dlq = DEADLETTER_STREAM.scoped(h.ns)

    async def dead_lettered() -> bool:
        try:
            info = await h.bus.js.stream_info(dlq.name)
        except Exception:
            return False
        return info.state.messages == 1

    await eventually(dead_lettered)
    assert await h.rows(cam) == []
    assert (
        list(h.endpoint.client().list_objects(h.rec.store.bucket, prefix=f"cameras/{cam}/")) == []
    )
