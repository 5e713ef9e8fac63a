"""Snapshots: black and frozen sources detected; the JPEG lands in the object store."""

from __future__ import annotations

import itertools

import pytest

from tncam_ingest.storage.snapshots import SnapshotStore
from tncam_mesh.s3 import minio_client
from tncam_testkit.cameras import CameraClips, CameraSimulator
from tncam_testkit.s3 import S3Endpoint

pytestmark = pytest.mark.integration


async def test_black_and_frozen_sources_are_detected(
    harness,
    quality_clips: CameraClips,
    camera_fleet: CameraSimulator,
    tmp_path,
    s3_endpoint: S3Endpoint,
):
    store = SnapshotStore(
        minio_client(s3_endpoint.url, s3_endpoint.access_key, s3_endpoint.secret_key),
        f"snap-{harness.namespace}",
    )
    ev = harness.events
    with CameraSimulator(
        tmp_path / "sim", cameras=2, h264_cameras=(2,), clips=quality_clips
    ) as sim:
        await harness.put_camera("black", sim.url(1))
        await harness.put_camera("still", sim.url(2))
        await harness.put_camera("normal", camera_fleet.url(3))
        async with harness.worker(snapshots=store):
            await ev.wait_for(
                lambda: (
                    len(ev.of("snapshots", "still")) >= 3
                    and ev.of("snapshots", "black")
                    and ev.of("snapshots", "normal")
                ),
                timeout=30,
                what="snapshots",
            )
    black = ev.of("snapshots", "black")[0]
    assert black.quality.black
    assert black.quality.mean_luma < 20
    assert not black.quality.blurred  # a flat picture is black, not "blurred"
    assert (black.width, black.height) == (320, 240)
    still = ev.of("snapshots", "still")
    seen = [
        (s.session_id[:8], round(s.quality.diff_from_previous, 2), s.quality.frozen) for s in still
    ]
    assert not still[0].quality.frozen, seen  # nothing to compare the first one with
    assert still[0].quality.diff_from_previous < 0, seen
    # Frozen = the same picture as the previous snapshot of the same session.
    pairs = [(a, b) for a, b in itertools.pairwise(still) if a.session_id == b.session_id]
    assert len(pairs) >= 2, seen
    assert all(b.quality.frozen for _, b in pairs), seen
    assert not any(s.quality.black for s in still)
    normal = ev.of("snapshots", "normal")[0]
    assert not normal.quality.black
    assert not normal.quality.blurred
    # The JPEG is stored, latest per camera, and it is the one the event names.
    ref = black.image_object
    assert ref.bucket == store.bucket
    assert ref.key == "cameras/black/latest.jpg"
    assert ref.content_type == "image/jpeg"
    client = s3_endpoint.client()
    obj = client.get_object(ref.bucket, ref.key)
    try:
        data = obj.read()
    finally:
        obj.close()
        obj.release_conn()
    assert data[:2] == b"\xff\xd8"  # JPEG SOI
    assert len(data) > 0
