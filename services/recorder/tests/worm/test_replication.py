"""The second S3 site (ADR 0026): MinIO site replication, checked with the WORM rules.

Two real MinIO servers joined by site replication. The recorder's own storage code writes to
the primary; every check is then made on the replica: the bucket exists there with versioning
and object lock, each version arrives with the same version id, a legal hold set in the PUT or
placed later holds on the replica (deleting that version there is refused), the sweep's
versioned deletes are replayed there, and a replica that was down catches up with nothing
missing and nothing duplicated.

The outage is simulated by stopping the replica's process: ``TNCAM_TEST_REPLICA_OUTAGE_S``
(default 5 s in ``make test``; the drill in docs/operations/backup.md uses 60) is how long it
stays down while the primary keeps taking segments.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import S3Error

from tncam_mesh.errors import ConflictError
from tncam_recorder.domain.keys import SEGMENT_CONTENT_TYPE, TAG_RETENTION
from tncam_recorder.domain.retention import lifecycle_rules
from tncam_recorder.storage.s3 import ObjectStore, Version, Written
from tncam_testkit.replication import ReplicatedSites, wait_for
from tncam_testkit.s3 import S3Endpoint

pytestmark = [pytest.mark.integration, pytest.mark.worm]

CLASSES = {"d30": 30, "d90": 90, "d180": 180, "d365": 365}
OUTAGE_S = float(os.environ.get("TNCAM_TEST_REPLICA_OUTAGE_S", "5"))
# MinIO re-queues what failed while the replica was down from its scanner and its replication
# resync, which run on their own timers: allow two minutes after the replica is back.
CATCH_UP_TIMEOUT_S = 120.0
REPLICATE_TIMEOUT_S = 20.0


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplicatedSites]:
    with ReplicatedSites(Path(tmp_path_factory.mktemp("replicated"))) as s:
        yield s


def _store(endpoint: S3Endpoint, bucket: str) -> ObjectStore:
    return ObjectStore(
        endpoint=endpoint.endpoint,
        access_key=endpoint.access_key,
        secret_key=endpoint.secret_key,
        bucket=bucket,
        region=endpoint.region,
        secure=endpoint.secure,
    )


@pytest.fixture(scope="module")
async def primary(sites: ReplicatedSites) -> AsyncIterator[ObjectStore]:
    """The segment bucket on the primary, provisioned by the recorder's own code."""
    s = _store(sites.primary.endpoint, f"tncam-segments-{uuid.uuid4().hex[:8]}")
    assert await s.provision(lifecycle_rules(CLASSES)) == "created"
    try:
        yield s
    finally:
        s.close()


def _replica(sites: ReplicatedSites) -> Minio:
    # A fresh client each time: the replica's process may have been restarted.
    return sites.replica.endpoint.client()


async def _put(store: ObjectStore, key: str, *, hold: bool) -> Written:
    data = (f"tncam replica {key} ".encode() + uuid.uuid4().bytes) * 256
    return await store.put(
        key,
        data,
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=SEGMENT_CONTENT_TYPE,
        tags={TAG_RETENTION: "d30"},
        legal_hold=hold,
    )


def _versions(client: Minio, bucket: str, prefix: str) -> list[tuple[str, str]]:
    return sorted(
        (o.object_name or "", o.version_id or "")
        for o in client.list_objects(bucket, prefix=prefix, recursive=True, include_version=True)
    )


def _hold(client: Minio, bucket: str, w: Written) -> bool | None:
    """The version's legal hold on ``client``'s site; None while that site does not answer it.
    MinIO's replica can answer a version's stat before its legal hold (NoSuchVersion for a few
    milliseconds, seen 3 times in 40 writes): a version is there once its hold answers."""
    try:
        return bool(client.is_object_legal_hold_enabled(bucket, w.key, version_id=w.version_id))
    except S3Error as e:
        if e.code == "NoSuchVersion":
            return None
        raise


def _arrived(client: Minio, bucket: str, w: Written) -> bool:
    return _hold(client, bucket, w) is not None


async def test_bucket_reaches_the_replica_with_object_lock(
    sites: ReplicatedSites, primary: ObjectStore
) -> None:
    replica = _replica(sites)
    wait_for("bucket on the replica", lambda: replica.bucket_exists(primary.bucket), timeout=10)
    assert replica.get_bucket_versioning(primary.bucket).status == ENABLED
    replica.get_object_lock_config(primary.bucket)  # raises when the bucket has no object lock
    # The recorder started against the replica (after a failover) accepts the bucket as is.
    failover = _store(sites.replica.endpoint, primary.bucket)
    try:
        assert await failover.provision(lifecycle_rules(CLASSES)) == "existing"
    finally:
        failover.close()


async def test_legal_hold_set_before_replication_holds_on_the_replica(
    sites: ReplicatedSites, primary: ObjectStore
) -> None:
    w = await _put(primary, "cameras/cam-h/held.m4s", hold=True)
    replica = _replica(sites)
    wait_for(
        "held version on the replica",
        lambda: _arrived(replica, primary.bucket, w),
        timeout=REPLICATE_TIMEOUT_S,
    )
    assert _hold(replica, primary.bucket, w) is True
    # WORM on the replica: the held version cannot be deleted there either.
    on_replica = _store(sites.replica.endpoint, primary.bucket)
    try:
        with pytest.raises(ConflictError):
            await on_replica.delete_versions([Version(w.key, w.version_id, False, w.size)])
        assert [v.version_id for v in await on_replica.versions(w.key, exact=True)] == [
            w.version_id
        ]
    finally:
        on_replica.close()


async def test_hold_placed_later_and_release_reach_the_replica(
    sites: ReplicatedSites, primary: ObjectStore
) -> None:
    w = await _put(primary, "cameras/cam-l/later.m4s", hold=False)
    replica = _replica(sites)
    wait_for(
        "version on the replica",
        lambda: _arrived(replica, primary.bucket, w),
        timeout=REPLICATE_TIMEOUT_S,
    )
    assert _hold(replica, primary.bucket, w) is False
    await primary.set_legal_hold(w.key, w.version_id, True)
    wait_for(
        "hold on the replica",
        lambda: _hold(replica, primary.bucket, w) is True,
        timeout=REPLICATE_TIMEOUT_S,
    )
    await primary.set_legal_hold(w.key, w.version_id, False)
    wait_for(
        "release on the replica",
        lambda: _hold(replica, primary.bucket, w) is False,
        timeout=REPLICATE_TIMEOUT_S,
    )


async def test_sweep_deletion_is_replayed_on_the_replica(
    sites: ReplicatedSites, primary: ObjectStore
) -> None:
    """The retention sweep deletes every version by id on the primary: gone on both."""
    w = await _put(primary, "cameras/cam-s/expired.m4s", hold=False)
    replica = _replica(sites)
    wait_for(
        "version on the replica",
        lambda: _arrived(replica, primary.bucket, w),
        timeout=REPLICATE_TIMEOUT_S,
    )
    deleted = await primary.purge_versions(w.key, exact=True)  # the sweep's own call
    assert [v.version_id for v in deleted] == [w.version_id]
    wait_for(
        "deletion on the replica",
        lambda: _versions(replica, primary.bucket, w.key) == [],
        timeout=REPLICATE_TIMEOUT_S,
    )


async def test_replica_down_catches_up_with_nothing_missing_nor_duplicated(
    sites: ReplicatedSites, primary: ObjectStore
) -> None:
    prefix = "cameras/cam-o/"
    sites.replica.stop()
    written: list[Written] = []
    try:
        deadline = time.monotonic() + OUTAGE_S
        i = 0
        while i < 12 or time.monotonic() < deadline:
            written.append(await _put(primary, f"{prefix}{i:04d}.m4s", hold=i % 3 == 0))
            i += 1
            await asyncio.sleep(max(0.0, min(0.5, deadline - time.monotonic())))
    finally:
        sites.replica.start()
    replica = _replica(sites)
    expected = sorted((w.key, w.version_id) for w in written)
    took = wait_for(
        "replica caught up",
        lambda: (
            _versions(replica, primary.bucket, prefix) == expected
            and all(_arrived(replica, primary.bucket, w) for w in written)
        ),
        timeout=CATCH_UP_TIMEOUT_S,
        poll=0.5,
    )
    print(f"replica down {OUTAGE_S:.0f} s, {len(written)} segments; caught up in {took:.1f} s")
    # Exactly one version per key (nothing duplicated), same ids, and the holds came along.
    assert len({k for k, _ in _versions(replica, primary.bucket, prefix)}) == len(written)
    held = [w for i, w in enumerate(written) if i % 3 == 0]
    assert [_hold(replica, primary.bucket, w) for w in written] == [w in held for w in written]
