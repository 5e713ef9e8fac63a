"""Snapshots in the object store: the latest JPEG per camera, minio SDK calls in threads."""

from __future__ import annotations

import asyncio
import hashlib
import io

import minio

from tncam.common.v1 import object_ref_pb2


class SnapshotStore:
    """``<bucket>/cameras/<camera_id>/latest.jpg``, overwritten by each snapshot."""

    def __init__(self, client: minio.Minio, bucket: str) -> None:
        self._client = client
        self.bucket = bucket
        self._ready = False

    @staticmethod
    def key(camera_id: str) -> str:
        return f"cameras/{camera_id}/latest.jpg"

    def _ensure_bucket(self) -> None:
        if self._ready:
            return
        if not self._client.bucket_exists(self.bucket):
            try:
                self._client.make_bucket(self.bucket)
            except minio.error.S3Error as e:
                if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self._ready = True

    def _put(self, camera_id: str, jpeg: bytes) -> object_ref_pb2.ObjectRef:
        self._ensure_bucket()
        key = self.key(camera_id)
        result = self._client.put_object(
            self.bucket, key, io.BytesIO(jpeg), len(jpeg), content_type="image/jpeg"
        )
        return object_ref_pb2.ObjectRef(
            bucket=self.bucket,
            key=key,
            version_id=result.version_id or "",
            size_bytes=len(jpeg),
            sha256=hashlib.sha256(jpeg).hexdigest(),
            content_type="image/jpeg",
        )

    async def put_latest(self, camera_id: str, jpeg: bytes) -> object_ref_pb2.ObjectRef:
        """Store the camera's latest snapshot; the reference to the stored version."""
        return await asyncio.to_thread(self._put, camera_id, jpeg)
