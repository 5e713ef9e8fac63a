"""Rebuild the segment index from the bucket (``tncam recorder reindex``, issue 19).

After a restore, PostgreSQL holds the index up to its last archived WAL; the segments stored
later are on the replica site, each object carrying its index row in its user metadata
(``domain/index_meta``). This lists every camera's keys from ``since`` on (by the hour prefixes
of the key layout), reads the metadata of the keys the index lacks, and inserts their rows
(ON CONFLICT DO NOTHING: running it twice adds nothing), their init segments' rows first, the
legal holds covering them linked as on the write path. Every S3 call runs in the store's worker
threads; cameras are read ``concurrency`` at a time. The run is logged and audited with its
counts (``footage.index.rebuilt``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.common.v1 import actor_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import UnavailableError
from tncam_recorder.db import holds as hold_db
from tncam_recorder.db import inits as init_db
from tncam_recorder.db import reindex as reindex_db
from tncam_recorder.db import segments as segment_db
from tncam_recorder.db.rows import InitRow
from tncam_recorder.domain.audit_events import other_event
from tncam_recorder.domain.index_meta import IndexMetadataError, hours_since, row_values
from tncam_recorder.domain.keys import init_key, utc
from tncam_recorder.domain.signing import segment_id_key
from tncam_recorder.service.context import Recorder
from tncam_recorder.storage import scan

log = logging.getLogger("tncam.recorder.reindex")
_INSERT_ATTEMPTS = 5


@dataclass
class ReindexResult:
    """What one run found and did."""

    since: str = ""
    cameras: int = 0
    listed: int = 0  # segment objects under the hours scanned
    already_indexed: int = 0
    added: int = 0
    inits_added: int = 0
    unlabelled: int = 0  # objects without (readable) index metadata: left out, logged
    without_init: int = 0  # objects whose init segment is not in the bucket: left out, logged
    added_cameras: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return asdict(self)


Progress = Callable[[int, int, ReindexResult], None]


async def reindex(
    rec: Recorder,
    since: dt.datetime,
    *,
    actor: actor_pb2.Actor | None = None,
    concurrency: int = 8,
    progress: Progress | None = None,
) -> ReindexResult:
    """Insert the index rows of every segment object from ``since`` the index lacks."""
    now = rec.clock()
    since = utc(since)
    res = ReindexResult(since=since.isoformat())
    hours = hours_since(since, now)
    since_hour = since.replace(minute=0, second=0, microsecond=0)
    prefixes = await scan.camera_prefixes(rec.store)
    res.cameras = len(prefixes)
    secret = segment_id_key(rec.signing_key)
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def one(prefix: str) -> None:
        nonlocal done
        async with gate:
            await _camera(rec, prefix, hours, since_hour, secret, res)
        done += 1
        if progress is not None:
            progress(done, len(prefixes), res)

    async with asyncio.TaskGroup() as tg:
        for prefix in prefixes:
            tg.create_task(one(prefix))
    res.added_cameras.sort()
    log.info("segment index rebuilt from the bucket: %s", res.summary())
    await rec.audit.record(
        other_event(
            action="footage.index.rebuilt",
            actor=actor or rec.service_actor,
            kind="segment_index",
            target_id=rec.store.bucket,
            cameras=res.added_cameras,
            purpose_code=audit_pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
            purpose_text="Khôi phục chỉ mục đoạn ghi hình từ kho lưu trữ sau khi phục hồi",
            after={k: v for k, v in res.summary().items() if k != "added_cameras"},
            now=now,
        )
    )
    return res


async def _camera(
    rec: Recorder,
    prefix: str,
    hours: list[str],
    since_hour: dt.datetime,
    secret: bytes,
    res: ReindexResult,
) -> None:
    """One camera: its keys from ``since_hour`` on, the rows of those the index lacks."""
    camera_id = prefix.rstrip("/").rsplit("/", 1)[-1]
    bucket = rec.store.bucket
    async with unit_of_work(rec.sessions) as s:
        known = await reindex_db.indexed_keys(s, bucket, camera_id, since_hour)
    keys = [k for h in hours for k in await scan.keys_under(rec.store, prefix + h)]
    keys = [k for k in keys if k.endswith(".m4s")]
    res.listed += len(keys)
    for key in keys:
        if key in known:
            res.already_indexed += 1
            continue
        obj = await scan.head(rec.store, key)
        if obj is None:
            continue
        try:
            values = row_values(obj, secret)
        except IndexMetadataError as e:
            res.unlabelled += 1
            log.warning("not re-indexed: %s", e, extra={"camera_id": camera_id})
            continue
        if not await _init_row(rec, values, res):
            res.without_init += 1
            log.warning(
                "not re-indexed: %s: its init segment is not in the bucket",
                key,
                extra={"camera_id": camera_id},
            )
            continue
        if await _insert(rec, values):
            res.added += 1
            if camera_id not in res.added_cameras:
                res.added_cameras.append(camera_id)
        else:
            res.already_indexed += 1


async def _init_row(rec: Recorder, values: dict[str, Any], res: ReindexResult) -> bool:
    """The segment's init row, added from the bucket if the index lacks it; False if the
    init object is gone too."""
    camera_id, sha = values["camera_id"], values["init_sha256"]
    async with unit_of_work(rec.sessions) as s:
        if await init_db.get_init(s, rec.store.bucket, camera_id, sha) is not None:
            return True
    obj = await scan.head(rec.store, init_key(camera_id, sha))
    if obj is None or obj.sha256 != sha:
        return False
    init = InitRow(camera_id, sha, rec.store.bucket, obj.key, obj.version_id, obj.size)
    async with unit_of_work(rec.sessions) as s:
        await init_db.add_init(s, init, obj.last_modified)
    res.inits_added += 1
    return True


async def _insert(rec: Recorder, values: dict[str, Any]) -> bool:
    """The row, retried while a running recorder numbers the same camera's segments."""
    for attempt in range(_INSERT_ATTEMPTS):
        try:
            return await _insert_once(rec, values)
        except UnavailableError as e:
            if e.code != "recording.index.contention" or attempt == _INSERT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def _insert_once(rec: Recorder, values: dict[str, Any]) -> bool:
    """The row (and its holds) in one transaction, as the write path does; False if there."""
    async with unit_of_work(rec.sessions) as s:
        await segment_db.lock_camera_shared(s, values["camera_id"])
        if not await init_db.lock_init(
            s, rec.store.bucket, values["camera_id"], values["init_sha256"]
        ):
            return False  # purged as an orphan meanwhile: the next run adds it again
        holds = await hold_db.active_hold_ids(
            s, values["camera_id"], values["start_at"], values["end_at"]
        )
        row = await segment_db.insert_segment(s, {**values, "held": bool(holds)})
        if row is None:
            return False
        if holds:
            await hold_db.link_holds(s, row.segment_id, holds)
            await rec.store.set_legal_hold(row.object_key, row.version_id, True)
    return True
