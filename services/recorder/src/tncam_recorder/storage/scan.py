"""Reading the bucket back for ``tncam recorder reindex``: camera prefixes, the keys under a
prefix, one object's metadata (every SDK call in the store's worker threads)."""

from __future__ import annotations

from minio.error import S3Error

from tncam_recorder.domain.index_meta import StoredObject
from tncam_recorder.storage.s3 import META_SHA256, ObjectStore

_GONE = frozenset({"NoSuchKey", "NoSuchVersion"})
_META = "x-amz-meta-"


async def camera_prefixes(store: ObjectStore, root: str = "cameras/") -> list[str]:
    """``cameras/<camera_id>/`` of every camera with objects in the bucket."""

    def run() -> list[str]:
        return sorted(
            o.object_name or ""
            for o in store.client.list_objects(store.bucket, prefix=root, recursive=False)
            if o.is_dir
        )

    return await store._run(f"list {root}", run)


async def keys_under(store: ObjectStore, prefix: str) -> list[str]:
    """Keys with a current version under ``prefix`` (deleted ones left out)."""

    def run() -> list[str]:
        return [
            o.object_name or ""
            for o in store.client.list_objects(store.bucket, prefix=prefix, recursive=True)
            if not o.is_dir
        ]

    return await store._run(f"list {prefix}", run)


async def head(store: ObjectStore, key: str) -> StoredObject | None:
    """The current version of ``key`` with its user metadata (names without the
    ``x-amz-meta-`` prefix, lower case); None when it has none (deleted)."""

    def run() -> StoredObject | None:
        try:
            st = store.client.stat_object(store.bucket, key)
        except S3Error as e:
            if e.code in _GONE:
                return None
            raise
        meta = {
            k.lower().removeprefix(_META): str(v)
            for k, v in (st.metadata or {}).items()
            if k.lower().startswith(_META)
        }
        if st.last_modified is None:
            return None
        return StoredObject(
            bucket=store.bucket,
            key=key,
            version_id=st.version_id or "",
            size=int(st.size or 0),
            sha256=meta.get(META_SHA256, ""),
            last_modified=st.last_modified,
            metadata=meta,
        )

    return await store._run(f"stat {key}", run)
