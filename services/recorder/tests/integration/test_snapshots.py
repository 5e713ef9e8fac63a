"""``get_snapshot``: the camera's own snapshot JPEG from ingest's bucket, nothing else."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tncam.common.v1 import object_ref_pb2
from tncam.recording.v1 import recording_api_pb2 as api
from tncam_contracts.catalog import RECORDING_GET_SNAPSHOT
from tncam_mesh.errors import ConflictError, NotFoundError
from tncam_mesh.rpc import call
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.images import jpeg_size as decoded_size
from tncam_testkit.images import make_jpeg as jpeg
from tncam_testkit.nats import NatsServer
from tncam_testkit.s3 import S3Endpoint

from .conftest import Harness, Media, make_settings, recorder_harness

pytestmark = pytest.mark.integration


@pytest.fixture
async def snaps(
    s3_endpoint: S3Endpoint,
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    namespace: str,
    media: Media,
) -> AsyncIterator[Harness]:
    bucket = f"snap-{uuid.uuid4().hex[:12]}"
    await asyncio.to_thread(s3_endpoint.client().make_bucket, bucket)
    settings = make_settings(
        s3_endpoint,
        migrated_database,
        namespace,
        snapshot_bucket=bucket,
        snapshot_max_bytes=64 * 1024,
    )
    async with recorder_harness(settings, s3_endpoint, nats_server, migrated_database, media) as h:
        yield h


async def put(h: Harness, key: str, data: bytes, bucket: str = "") -> object_ref_pb2.ObjectRef:
    bucket = bucket or h.settings.snapshot_bucket
    client = h.endpoint.client()
    result = await asyncio.to_thread(
        client.put_object, bucket, key, io.BytesIO(data), len(data), content_type="image/jpeg"
    )
    return object_ref_pb2.ObjectRef(
        bucket=bucket,
        key=key,
        version_id=result.version_id or "",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type="image/jpeg",
    )


async def get(h: Harness, camera_id: str, ref: object_ref_pb2.ObjectRef) -> api.ObjectChunk:
    request = api.GetSnapshotRequest(camera_id=camera_id, image=ref)
    return await call(h.bus, RECORDING_GET_SNAPSHOT, request, api.ObjectChunk, namespace=h.ns)


async def test_the_cameras_own_snapshot_is_served_whole(snaps: Harness) -> None:
    h = snaps
    cam = f"{h.prefix}-1"
    image = jpeg(320, 180)
    ref = await put(h, f"cameras/{cam}/latest.jpg", image)
    chunk = await get(h, cam, ref)
    assert chunk.data == image
    assert chunk.eof
    assert chunk.total_bytes == len(image)
    assert chunk.sha256 == hashlib.sha256(image).hexdigest()
    assert chunk.content_type == "image/jpeg"
    assert decoded_size(chunk.data) == (320, 180)


async def test_foreign_forged_and_oversized_references_are_not_found(snaps: Harness) -> None:
    h = snaps
    cam, other = f"{h.prefix}-1", f"{h.prefix}-2"
    mine = await put(h, f"cameras/{cam}/latest.jpg", jpeg(64, 48))
    theirs = await put(h, f"cameras/{other}/latest.jpg", jpeg(64, 48))
    stray = await put(h, "exports/2026/01/x.jpg", jpeg(64, 48))
    # A real object of the segments bucket, under the camera's own prefix.
    segment = await put(h, f"cameras/{cam}/latest.jpg", jpeg(64, 48), bucket=h.rec.store.bucket)
    big = await put(h, f"cameras/{cam}/big.jpg", jpeg(64, 48) + b"\0" * 70_000)

    def edit(ref: object_ref_pb2.ObjectRef, **kw: Any) -> object_ref_pb2.ObjectRef:
        out = object_ref_pb2.ObjectRef()
        out.CopyFrom(ref)
        for k, v in kw.items():
            setattr(out, k, v)
        return out

    refused = [
        theirs,  # another camera's snapshot, named in this camera's event
        stray,  # outside any camera prefix
        segment,  # another bucket
        edit(theirs, key=f"cameras/{cam}/../{other}/latest.jpg"),
        edit(mine, key=f"cameras/{cam}/sub/latest.jpg"),
        edit(mine, key=f"cameras/{cam}/latest.m4s"),
        edit(mine, sha256=""),
        edit(mine, size_bytes=0),
        edit(big, size_bytes=60_000),  # lies about its size: read up to the cap only
        big,  # over the cap
        edit(mine, key=f"cameras/{cam}/missing.jpg"),
    ]
    for ref in refused:
        with pytest.raises(NotFoundError):
            await get(h, cam, ref)
    with pytest.raises(NotFoundError):
        await get(h, "", mine)
    assert (await get(h, cam, mine)).data  # the camera's own still is


async def test_a_replaced_object_is_a_retryable_conflict(snaps: Harness) -> None:
    h = snaps
    cam = f"{h.prefix}-1"
    first = await put(h, f"cameras/{cam}/latest.jpg", jpeg(64, 48))
    await put(h, f"cameras/{cam}/latest.jpg", jpeg(96, 64))  # ingest's next snapshot
    if first.version_id:  # a versioned bucket still has the version the event names
        assert decoded_size((await get(h, cam, first)).data) == (64, 48)
        first.version_id = ""
    with pytest.raises(ConflictError) as e:
        await get(h, cam, first)
    assert e.value.code == "recording.snapshot.changed"
    assert e.value.retryable


async def test_bytes_that_are_not_a_jpeg_are_not_served(snaps: Harness) -> None:
    h = snaps
    cam = f"{h.prefix}-1"
    ref = await put(h, f"cameras/{cam}/latest.jpg", b"<svg onload=alert(1)>" + b" " * 100)
    with pytest.raises(NotFoundError):
        await get(h, cam, ref)
