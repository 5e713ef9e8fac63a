"""The object store through the minio SDK: every blocking call runs in a worker thread.

Errors are mapped onto the tncam error tree: an unreachable or failing server is
``UnavailableError`` (retryable: the segment stays in the bus), a refusal is permanent.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import urllib3
from minio import Minio
from minio.commonconfig import ENABLED, Tags
from minio.credentials.credentials import Credentials
from minio.error import MinioException, S3Error
from minio.helpers import DictType, genheaders
from minio.lifecycleconfig import (
    LifecycleConfig,
)

from tncam_mesh.errors import (
    ConfigurationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    UnavailableError,
)
from tncam_mesh.s3 import minio_client
from tncam_recorder.domain.retention import LifecycleRule
from tncam_recorder.media.exportfile import sha256_file
from tncam_recorder.storage.lifecycle import from_rule, to_rule

log = logging.getLogger("tncam.recorder.s3")
T = TypeVar("T")

# An export file up to this size goes in one PUT; a larger one in parts of this size.
_SINGLE_PUT_PART = 64 * 1024 * 1024
_UNAVAILABLE_CODES = frozenset(
    {
        "ServiceUnavailable",
        "SlowDown",
        "InternalError",
        "RequestTimeout",
        "XMinioServerNotInitialized",
    }
)
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchBucket"})
_LOCKED_CODES = frozenset({"AccessDenied", "InvalidRequest", "ObjectLocked"})
# A body that does not match its x-amz-checksum-sha256: MinIO, SeaweedFS (and AWS) codes.
_CHECKSUM_CODES = frozenset({"XAmzContentChecksumMismatch", "BadDigest", "InvalidDigest"})
META_SHA256 = "sha256"
CONTENT_SHA256 = "x-amz-content-sha256"
CHECKSUM_SHA256 = "x-amz-checksum-sha256"
# The body is not part of the signature; its integrity is the signed x-amz-checksum-sha256 header,
# which the store verifies (both test backends reject a mismatch; SeaweedFS does not verify a
# signed payload hash, so that could not be the check anyway).
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


class _Minio(Minio):
    """The minio SDK client, minus its own pass over the body when the caller says how the
    payload is signed (``x-amz-content-sha256`` given): for a 3 MB segment over plain HTTP the
    SDK would otherwise SHA-256 the body only to sign it."""

    def _build_headers(
        self,
        host: str,
        headers: DictType | None = None,
        body: bytes | None = None,
        creds: Credentials | None = None,
    ) -> tuple[DictType, datetime]:
        preset = (headers or {}).get(CONTENT_SHA256)
        if not isinstance(preset, str) or not body:
            return super()._build_headers(host, headers, body, creds)
        built, date = super()._build_headers(host, headers, None, creds)
        built[CONTENT_SHA256] = preset
        built["Content-Length"] = str(len(body))
        return built, date


class ObjectDiffersError(ConflictError):
    """A conditional PUT found a current version with other bytes under the key."""


@dataclass(frozen=True, slots=True)
class Written:
    """One stored object version."""

    key: str
    version_id: str
    size: int
    sha256: str
    reused: bool = False  # an existing version with these bytes, no new version written


@dataclass(frozen=True, slots=True)
class Version:
    """One version (or delete marker) of an object."""

    key: str
    version_id: str
    delete_marker: bool
    size: int


class ObjectStore:
    """One bucket of an S3-compatible store with object lock."""

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        region: str = "us-east-1",
        secure: bool = False,
        timeout_s: float = 10.0,
        max_connections: int = 16,
    ) -> None:
        self.bucket = bucket
        self.endpoint = endpoint
        # Few SDK retries: the bus is the retry buffer, not the HTTP client.
        self._pool = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(timeout_s, 3.0), read=timeout_s),
            retries=urllib3.Retry(total=1, backoff_factor=0.2, connect=1, read=0, redirect=0),
            maxsize=max_connections,
            block=False,
        )
        self.client: Minio = minio_client(
            endpoint,
            access_key,
            secret_key,
            secure=secure,
            region=region,
            http_client=self._pool,
            client_cls=_Minio,
        )
        # Our own threads for the blocking SDK: the loop's default executor has min(32, cpus+4)
        # threads (6 on 2 cores), which would cap writes below write_concurrency.
        self._executor = ThreadPoolExecutor(max_workers=max_connections, thread_name_prefix="s3")

    def close(self) -> None:
        """Release pooled connections and the SDK threads."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._pool.clear()

    async def _run(self, what: str, fn: Callable[[], T]) -> T:
        try:
            ctx = contextvars.copy_context()  # as asyncio.to_thread does (trace context)
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, functools.partial(ctx.run, fn)
            )
        except S3Error as e:
            raise _map_s3_error(what, e) from e
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as e:
            raise UnavailableError(
                "recording.s3.unavailable",
                f"object store {self.endpoint} unavailable ({what}): {type(e).__name__}",
            ) from e

    # ------------------------------------------------------------------ provisioning

    async def provision(self, rules: Sequence[LifecycleRule]) -> str:
        """Create the bucket (versioning + object lock) if absent, set and check lifecycle.

        Refuses a bucket without object lock: legal holds would silently not hold.
        Returns ``"created"`` or ``"existing"``.
        """
        config = LifecycleConfig([to_rule(r) for r in rules])

        def run() -> str:
            state = "existing"
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket, object_lock=True)
                    state = "created"
                except S3Error as e:
                    if e.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            try:
                self.client.get_object_lock_config(self.bucket)
            except S3Error as e:
                if e.code == "ObjectLockConfigurationNotFoundError":
                    raise ConfigurationError(
                        "recording.bucket.no_object_lock",
                        f"bucket {self.bucket} has no object lock: legal holds and WORM "
                        "deletion guarantees would not hold. Object lock can only be enabled "
                        "when a bucket is created: create a new bucket with object lock "
                        "(or let the recorder create it) and set TNCAM_RECORDER_BUCKET.",
                    ) from e
                raise
            versioning = self.client.get_bucket_versioning(self.bucket).status
            if versioning != ENABLED:
                raise ConfigurationError(
                    "recording.bucket.no_versioning",
                    f"bucket {self.bucket} has object lock but versioning is {versioning}",
                )
            self.client.set_bucket_lifecycle(self.bucket, config)
            stored = self.client.get_bucket_lifecycle(self.bucket)
            got = [] if stored is None else [from_rule(r) for r in stored.rules]
            want = sorted(rules, key=lambda r: r.rule_id)
            if sorted(got, key=lambda r: r.rule_id) != want:
                raise ConfigurationError(
                    "recording.bucket.lifecycle_mismatch",
                    f"bucket {self.bucket}: lifecycle rules read back differ from those set "
                    f"(set {want}, read {got})",
                )
            return state

        return await self._run("provision", run)

    async def lifecycle(self) -> list[LifecycleRule]:
        """The bucket's lifecycle rules as stored."""

        def run() -> list[LifecycleRule]:
            cfg = self.client.get_bucket_lifecycle(self.bucket)
            return [] if cfg is None else [from_rule(r) for r in cfg.rules]

        return await self._run("get lifecycle", run)

    async def check(self) -> None:
        """Readiness: the bucket answers."""
        if not await self._run("check", lambda: self.client.bucket_exists(self.bucket)):
            raise UnavailableError("recording.s3.no_bucket", f"bucket {self.bucket} is missing")

    # ----------------------------------------------------------------------- objects

    async def put(
        self,
        key: str,
        data: bytes,
        *,
        sha256: str,
        content_type: str,
        tags: Mapping[str, str] | None = None,
        metadata: Mapping[str, str] | None = None,
        legal_hold: bool = False,
        maybe_stored: bool = False,
        overwrite: bool = False,
    ) -> Written:
        """Store ``data`` once under ``key``; a current version with the same bytes is reused.

        One conditional PUT (``If-None-Match: *``): a new key gets its version, an existing
        one answers 412 and its version is reused when its SHA-256 is ours, so a replay never
        adds a version. ``maybe_stored`` (a redelivery or a retry) asks first with a HEAD
        instead of sending the bytes again. A current version with other bytes raises
        :class:`ObjectDiffersError` unless ``overwrite``. The store verifies the body against
        ``x-amz-checksum-sha256`` (``sha256``) and refuses a mismatch:
        ``InvalidInputError("recording.object.checksum_mismatch")``, nothing stored.
        """
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
        headers = _put_headers(tags, legal_hold, content_type, sha256, checksum, overwrite)
        headers.update({f"x-amz-meta-{k}": v for k, v in (metadata or {}).items()})

        def current() -> Written | None:
            return self._current(key, sha256, len(data), overwrite=overwrite)

        def run() -> Written:
            if maybe_stored and (found := current()) is not None:
                return found
            try:
                # One PUT with our headers (the public put_object copies the body into parts).
                result = self.client._put_object(self.bucket, key, data, dict(headers))
            except S3Error as e:
                if e.code == "PreconditionFailed":
                    found = current()
                    if found is not None:
                        return found
                    raise UnavailableError(
                        "recording.s3.failed", f"{key}: exists yet cannot be read back"
                    ) from e
                if e.code in _CHECKSUM_CODES:
                    raise InvalidInputError(
                        "recording.object.checksum_mismatch",
                        f"{key}: the store refused the bytes, they do not hash to "
                        f"sha256 {sha256[:12]} ({e.code})",
                    ) from e
                raise
            echoed = result.http_headers.get(CHECKSUM_SHA256)
            if echoed is not None and echoed != checksum:
                raise UnavailableError(
                    "recording.s3.checksum_mismatch",
                    f"{key}: the store reports checksum {echoed}, not the one sent",
                )
            return Written(key, result.version_id or "", len(data), sha256)

        return await self._run(f"put {key}", run)

    def _current(self, key: str, sha256: str, size: int, *, overwrite: bool) -> Written | None:
        """The current version of ``key`` when it holds these bytes (blocking; None if none).

        Other bytes raise :class:`ObjectDiffersError` unless ``overwrite`` (then None)."""
        try:
            st = self.client.stat_object(self.bucket, key)
        except S3Error as e:
            if e.code in _NOT_FOUND_CODES:
                return None
            raise
        meta = {k.lower(): v for k, v in (st.metadata or {}).items()}
        if meta.get(f"x-amz-meta-{META_SHA256}") == sha256 and st.size == size:
            return Written(key, st.version_id or "", size, sha256, reused=True)
        if overwrite:
            return None
        raise ObjectDiffersError(
            "recording.object.differs",
            f"{key}: the current version holds other bytes than sha256 {sha256[:12]}",
        )

    async def put_file(
        self, key: str, path: Path, *, content_type: str, tags: Mapping[str, str] | None = None
    ) -> Written:
        """Upload a (possibly large) file; multipart above 64 MiB."""

        def run() -> Written:
            digest, size = sha256_file(path)
            object_tags = None
            if tags:
                object_tags = Tags(for_object=True)
                object_tags.update(tags)
            result = self.client.fput_object(
                self.bucket,
                key,
                str(path),
                content_type=content_type,
                metadata={META_SHA256: digest},
                part_size=_SINGLE_PUT_PART,
                tags=object_tags,
            )
            return Written(key, result.version_id or "", size, digest)

        return await self._run(f"put {key}", run)

    async def get(
        self,
        key: str,
        *,
        version_id: str = "",
        offset: int = 0,
        length: int = 0,
        bucket: str = "",
    ) -> bytes:
        """The object's bytes (a range when ``length`` > 0), from our bucket or ``bucket``."""

        def run() -> bytes:
            resp = self.client.get_object(
                bucket or self.bucket,
                key,
                offset=offset,
                length=length,
                version_id=version_id or None,
            )
            try:
                return bytes(resp.read())
            finally:
                resp.close()
                resp.release_conn()

        return await self._run(f"get {key}", run)

    async def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        """Place or release the S3 legal hold of one version."""

        def run() -> None:
            if on:
                self.client.enable_object_legal_hold(self.bucket, key, version_id or None)
            else:
                self.client.disable_object_legal_hold(self.bucket, key, version_id or None)

        await self._run(f"legal hold {key}", run)

    async def legal_hold(self, key: str, version_id: str) -> bool:
        """Whether the version is under legal hold."""

        def run() -> bool:
            try:
                return bool(
                    self.client.is_object_legal_hold_enabled(self.bucket, key, version_id or None)
                )
            except S3Error as e:
                if e.code == "NoSuchObjectLegalHold":  # SeaweedFS: never held
                    return False
                raise

        return await self._run(f"legal hold {key}", run)

    async def versions(self, prefix: str, *, exact: bool = False) -> list[Version]:
        """Every version and delete marker under ``prefix`` (or of exactly that key)."""

        def run() -> list[Version]:
            found = []
            for o in self.client.list_objects(
                self.bucket, prefix=prefix, recursive=True, include_version=True
            ):
                if exact and o.object_name != prefix:
                    continue
                found.append(
                    Version(
                        key=o.object_name or "",
                        version_id=o.version_id or "",
                        delete_marker=bool(o.is_delete_marker),
                        size=int(o.size or 0),
                    )
                )
            return found

        return await self._run(f"list {prefix}", run)

    async def delete_versions(self, versions: Sequence[Version]) -> int:
        """Delete each version permanently (by version id); returns how many."""

        def run() -> int:
            for v in versions:
                self.client.remove_object(self.bucket, v.key, v.version_id or None)
            return len(versions)

        return await self._run("delete versions", run)

    async def purge(self, prefix: str, *, exact: bool = False) -> int:
        """Delete every version under ``prefix``, check that nothing is left; how many."""
        return len(await self.purge_versions(prefix, exact=exact))

    async def purge_versions(self, prefix: str, *, exact: bool = False) -> list[Version]:
        """Delete every version under ``prefix``, check that nothing is left; the deleted."""
        found = await self.versions(prefix, exact=exact)
        await self.delete_versions(found)
        left = await self.versions(prefix, exact=exact)
        if left:
            raise UnavailableError(
                "recording.delete.leftover",
                f"{len(left)} version(s) under {prefix} survived deletion",
            )
        return found

    async def remove_staged(self, bucket: str, key: str, version_id: str) -> None:
        """Delete an object ingest staged for us (any bucket of this store)."""
        await self._run(
            f"remove staged {key}",
            lambda: self.client.remove_object(bucket, key, version_id or None),
        )

    async def remove_bucket(self) -> None:
        """Remove the (empty) bucket."""
        await self._run("remove bucket", lambda: self.client.remove_bucket(self.bucket))


def _put_headers(
    tags: Mapping[str, str] | None,
    legal_hold: bool,
    content_type: str,
    sha256: str,
    checksum: str,
    overwrite: bool,
) -> DictType:
    """Headers of a segment PUT: tags, hold, our SHA-256 (metadata and checksum), unsigned
    body, and ``If-None-Match: *`` unless overwriting."""
    headers: DictType = genheaders(None, None, dict(tags or {}), None, legal_hold)
    headers["Content-Type"] = content_type
    headers[f"x-amz-meta-{META_SHA256}"] = sha256
    headers[CHECKSUM_SHA256] = checksum
    headers[CONTENT_SHA256] = UNSIGNED_PAYLOAD
    if not overwrite:
        headers["If-None-Match"] = "*"
    return headers


def _map_s3_error(what: str, e: S3Error) -> Exception:
    code = str(e.code)
    if code in _NOT_FOUND_CODES:
        return NotFoundError("recording.object.not_found", f"{what}: {code}")
    if code in _UNAVAILABLE_CODES or (e.response is not None and e.response.status >= 500):
        return UnavailableError("recording.s3.unavailable", f"{what}: {code}")
    if code in _LOCKED_CODES:
        return ConflictError("recording.object.locked", f"{what}: refused by the store ({code})")
    return UnavailableError("recording.s3.failed", f"{what}: {code} {e.message}", retryable=False)
