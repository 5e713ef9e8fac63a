"""Object-locked copies of signed checkpoints (minio SDK, called in threads).

Each checkpoint is written once to ``<prefix><tree size, 20 digits>.note`` in a bucket created
with object lock, under compliance-mode retention: nobody, the store's root user included,
can delete or overwrite that version until the retention ends, so a database superuser who
rewrites the log and re-signs cannot make an earlier checkpoint disappear.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import urllib3
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error
from minio.retention import Retention

from tncam_audit.settings import AuditSettings
from tncam_mesh.errors import ConfigurationError, UnavailableError
from tncam_mesh.s3 import minio_client

CONTENT_TYPE = "text/plain; charset=utf-8"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoredNote:
    """A checkpoint copy in the object store."""

    key: str
    version_id: str
    note: str


@dataclass(frozen=True, slots=True)
class Written:
    """Where a checkpoint copy was written and until when it is locked."""

    bucket: str
    key: str
    version_id: str
    retain_until: dt.datetime


class CheckpointStore:
    """The checkpoint bucket."""

    def __init__(self, settings: AuditSettings) -> None:
        assert settings.s3_access_key is not None
        assert settings.s3_secret_key is not None
        self.bucket = settings.checkpoint_bucket
        self.prefix = settings.checkpoint_prefix
        self.retention = dt.timedelta(days=settings.checkpoint_retention_days)
        self._client = minio_client(
            settings.s3_endpoint,
            settings.s3_access_key.get_secret_value(),
            settings.s3_secret_key.get_secret_value(),
            region=settings.s3_region,
            http_client=urllib3.PoolManager(
                timeout=urllib3.Timeout(connect=5.0, read=30.0),
                retries=urllib3.Retry(total=2, backoff_factor=0.2),
            ),
        )

    def key(self, tree_size: int) -> str:
        """The object key of the checkpoint at ``tree_size``."""
        return f"{self.prefix}{tree_size:020d}.note"

    async def ensure_bucket(self) -> None:
        """Create the bucket with object lock, or check an existing one has it."""
        await _call("ensure bucket", self._ensure_bucket)

    def _ensure_bucket(self) -> None:
        if not self._client.bucket_exists(self.bucket):
            try:
                self._client.make_bucket(self.bucket, object_lock=True)
            except S3Error as e:
                if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        try:
            self._client.get_object_lock_config(self.bucket)
        except S3Error as e:
            raise ConfigurationError(
                "audit.anchor.no_object_lock",
                f"bucket {self.bucket} has no object lock ({e.code}): checkpoints there could "
                "be deleted; use a bucket created with object lock",
            ) from e

    async def put(self, tree_size: int, note: str, now: dt.datetime) -> Written:
        """Write one checkpoint copy under compliance retention."""
        until = (now + self.retention).replace(microsecond=0)
        key = self.key(tree_size)
        data = note.encode()

        def put() -> str:
            result = self._client.put_object(
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=CONTENT_TYPE,
                retention=Retention(COMPLIANCE, until),
            )
            return str(result.version_id or "")

        version = await _call("put checkpoint", put)
        return Written(self.bucket, key, version, until)

    async def get(self, key: str, version_id: str = "") -> str:
        """The text of one checkpoint copy."""

        def get() -> str:
            resp = self._client.get_object(self.bucket, key, version_id=version_id or None)
            try:
                return bytes(resp.read()).decode()
            finally:
                resp.close()
                resp.release_conn()

        return await _call("get checkpoint", get)

    async def list_notes(self) -> list[StoredNote]:
        """Every checkpoint copy (every version) under the prefix."""

        def list_all() -> list[StoredNote]:
            found: list[StoredNote] = []
            if not self._client.bucket_exists(self.bucket):
                return found  # nothing written yet; recorded anchors then show as missing
            for obj in self._client.list_objects(
                self.bucket, prefix=self.prefix, recursive=True, include_version=True
            ):
                if obj.is_delete_marker or not obj.object_name:
                    continue
                resp = self._client.get_object(
                    self.bucket, obj.object_name, version_id=obj.version_id
                )
                try:
                    text = bytes(resp.read()).decode(errors="replace")
                finally:
                    resp.close()
                    resp.release_conn()
                found.append(StoredNote(obj.object_name, str(obj.version_id or ""), text))
            return found

        return await _call("list checkpoints", list_all)


async def _call(what: str, fn: Callable[[], T]) -> T:
    try:
        return await asyncio.to_thread(fn)
    except ConfigurationError:
        raise
    except (S3Error, urllib3.exceptions.HTTPError, OSError) as e:
        raise UnavailableError(
            "audit.anchor.unavailable", f"object store: {what}: {type(e).__name__}"
        ) from e
