"""The recorder's request/reply operations (NATS micro): decode, call one service, map errors."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from tncam.common.v1 import object_ref_pb2
from tncam.recording.v1 import recording_api_pb2 as api
from tncam_contracts import catalog
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, NotFoundError
from tncam_mesh.rpc import RpcService
from tncam_recorder.db import repo
from tncam_recorder.domain.actors import actor_from
from tncam_recorder.domain.keys import (
    EXPORT_CONTENT_TYPE,
    INIT_CONTENT_TYPE,
    SEGMENT_CONTENT_TYPE,
)
from tncam_recorder.domain.playlist import PlaylistItem, UrlTemplates, render
from tncam_recorder.domain.requests import camera, time_range
from tncam_recorder.domain.timeline import Span, Timeline, build_timeline, clip_window, day_window
from tncam_recorder.service import decommission, export, holds
from tncam_recorder.service.context import Recorder


def _ts(t: dt.datetime | None) -> Timestamp:
    ts = Timestamp()
    if t is not None:
        ts.FromDatetime(t)
    return ts


def _range(msg: Any, op: str) -> tuple[dt.datetime, dt.datetime]:
    return time_range(
        msg.start, msg.end, op, has_start=msg.HasField("start"), has_end=msg.HasField("end")
    )


def segment_info(row: repo.SegmentRow) -> api.SegmentInfo:
    info = api.SegmentInfo(
        segment_id=str(row.segment_id),
        camera_id=row.camera_id,
        start=_ts(row.start_at),
        end=_ts(row.end_at),
        object=object_ref_pb2.ObjectRef(
            bucket=row.bucket,
            key=row.object_key,
            version_id=row.version_id,
            size_bytes=row.bytes,
            sha256=row.sha256,
            content_type=SEGMENT_CONTENT_TYPE,
        ),
        init_sha256=row.init_sha256,
        held=row.held,
        retention_class=row.retention_class,
        codec_string=row.codec_string,
        width=row.width,
        height=row.height,
    )
    info.duration.FromMilliseconds(row.duration_ms)
    return info


def hold_message(h: repo.HoldRow) -> api.LegalHold:
    msg = api.LegalHold(
        hold_id=str(h.hold_id),
        case_reference=h.case_reference,
        authority=h.authority,
        reason=h.reason,
        camera_ids=h.camera_ids,
        range=api.TimeRange(start=_ts(h.start_at), end=_ts(h.end_at)),
        placed_by=actor_from(h.placed_by),
        placed_at=_ts(h.placed_at),
        release_reason=h.release_reason,
    )
    if h.released_at is not None:
        msg.released_at.FromDatetime(h.released_at)
        msg.released_by.CopyFrom(actor_from(h.released_by))
    return msg


class RecorderApi:
    """Handlers of every ``tncam.recording.v1.*`` operation."""

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec
        s = rec.settings
        self.tolerance = dt.timedelta(seconds=s.gap_tolerance_s)
        self.urls = UrlTemplates(s.segment_url_template, s.init_url_template)

    async def register(self, svc: RpcService) -> None:
        await svc.add(catalog.RECORDING_LIST_SEGMENTS, api.ListSegmentsRequest, self.list_segments)
        await svc.add(catalog.RECORDING_GET_TIMELINE, api.GetTimelineRequest, self.get_timeline)
        await svc.add(catalog.RECORDING_GET_GAP_REPORT, api.GetGapReportRequest, self.gap_report)
        await svc.add(catalog.RECORDING_GET_PLAYLIST, api.GetPlaylistRequest, self.playlist)
        await svc.add(
            catalog.RECORDING_GET_LIVE_PLAYLIST, api.GetLivePlaylistRequest, self.live_playlist
        )
        await svc.add(catalog.RECORDING_GET_OBJECT, api.ReadObjectRequest, self.read_object)
        await svc.add(
            catalog.RECORDING_PLACE_LEGAL_HOLD, api.PlaceLegalHoldRequest, self.place_hold
        )
        await svc.add(
            catalog.RECORDING_RELEASE_LEGAL_HOLD, api.ReleaseLegalHoldRequest, self.release_hold
        )
        await svc.add(catalog.RECORDING_CREATE_EXPORT, api.CreateExportRequest, self.create_export)
        await svc.add(catalog.RECORDING_DECOMMISSION, api.DecommissionRequest, self.decommission)

    # ---------------------------------------------------------------------------- reading

    async def list_segments(self, req: api.ListSegmentsRequest) -> api.ListSegmentsReply:
        cam = camera(req.camera_id, "list_segments")
        start, end = _range(req, "list_segments")
        limit = min(req.limit or self.rec.settings.list_limit, self.rec.settings.list_limit)
        async with unit_of_work(self.rec.sessions) as s:
            rows = await repo.segments_in_range(s, cam, start, end, limit=limit + 1)
        return api.ListSegmentsReply(
            segments=[segment_info(r) for r in rows[:limit]], truncated=len(rows) > limit
        )

    async def _timeline(self, cam: str, window: Span) -> Timeline:
        async with unit_of_work(self.rec.sessions) as s:
            spans = await repo.spans_in_range(s, cam, window.start, window.end)
        return build_timeline(spans, window, tolerance=self.tolerance)

    async def get_timeline(self, req: api.GetTimelineRequest) -> api.TimelineReply:
        cam = camera(req.camera_id, "timeline")
        start, end = _range(req, "timeline")
        tl = await self._timeline(cam, clip_window(start, end, self.rec.clock()))
        return api.TimelineReply(
            camera_id=cam,
            range=api.TimeRange(start=_ts(tl.window.start), end=_ts(tl.window.end)),
            recorded=[
                api.RecordedRange(start=_ts(r.start), end=_ts(r.end), segments=r.segments)
                for r in tl.recorded
            ],
            gaps=[api.TimeRange(start=_ts(g.start), end=_ts(g.end)) for g in tl.gaps],
            recorded_seconds=tl.recorded_seconds,
        )

    async def gap_report(self, req: api.GetGapReportRequest) -> api.GapReportReply:
        try:
            date = dt.date.fromisoformat(req.date)
        except ValueError as e:
            raise InvalidInputError("recording.gap_report.bad_date", "date: YYYY-MM-DD") from e
        if not req.camera_ids:
            raise InvalidInputError("recording.gap_report.no_cameras", "camera_ids is empty")
        day = day_window(date, self.rec.settings.report_utc_offset_hours)
        window = clip_window(day.start, day.end, self.rec.clock())
        reply = api.GapReportReply()
        for cam_id in req.camera_ids:
            cam = camera(cam_id, "gap_report")
            tl = await self._timeline(cam, window)
            reply.cameras.append(
                api.CameraDayGaps(
                    camera_id=cam,
                    date=date.isoformat(),
                    range=api.TimeRange(start=_ts(window.start), end=_ts(window.end)),
                    gaps=[api.TimeRange(start=_ts(g.start), end=_ts(g.end)) for g in tl.gaps],
                    recorded_seconds=tl.recorded_seconds,
                    gap_seconds=tl.gap_seconds,
                    coverage=tl.coverage,
                )
            )
        return reply

    @staticmethod
    def _item(r: repo.SegmentRow) -> PlaylistItem:
        return PlaylistItem(str(r.segment_id), r.camera_id, r.start_at, r.end_at, r.init_sha256)

    async def playlist(self, req: api.GetPlaylistRequest) -> api.PlaylistReply:
        cam = camera(req.camera_id, "playlist")
        start, end = _range(req, "playlist")
        async with unit_of_work(self.rec.sessions) as s:
            rows = await repo.segments_in_range(
                s, cam, start, end, limit=self.rec.settings.list_limit
            )
        if not rows:
            raise NotFoundError("recording.playlist.empty", f"no recording of {cam} in the range")
        text = render([self._item(r) for r in rows], self.urls, vod=True, tolerance=self.tolerance)
        return api.PlaylistReply(
            playlist=text, segments=len(rows), segment_ids=[str(r.segment_id) for r in rows]
        )

    async def live_playlist(self, req: api.GetLivePlaylistRequest) -> api.PlaylistReply:
        cam = camera(req.camera_id, "live_playlist")
        count = min(req.segments or self.rec.settings.live_playlist_segments, 100)
        async with unit_of_work(self.rec.sessions) as s:
            rows = await repo.newest_segments(s, cam, count)
        if not rows:
            raise NotFoundError("recording.playlist.empty", f"no recording of {cam}")
        text = render(
            [self._item(r) for r in rows],
            self.urls,
            vod=False,
            media_sequence=rows[0].live_seq,
            tolerance=self.tolerance,
        )
        return api.PlaylistReply(
            playlist=text, segments=len(rows), segment_ids=[str(r.segment_id) for r in rows]
        )

    async def read_object(self, req: api.ReadObjectRequest) -> api.ObjectChunk:
        which = req.WhichOneof("object")
        async with unit_of_work(self.rec.sessions) as s:
            if which == "segment_id":
                row = await repo.segment_by_id(s, _uuid(req.segment_id))
                if row is None:
                    raise NotFoundError("recording.segment.not_found", "no such segment")
                key, version, total, sha, ctype = (
                    row.object_key,
                    row.version_id,
                    row.bytes,
                    row.sha256,
                    SEGMENT_CONTENT_TYPE,
                )
            elif which == "init":
                init = await repo.get_init(
                    s,
                    self.rec.store.bucket,
                    camera(req.init.camera_id, "read"),
                    req.init.init_sha256,
                )
                if init is None:
                    raise NotFoundError("recording.init.not_found", "no such init segment")
                key, version, total, sha, ctype = (
                    init.object_key,
                    init.version_id,
                    init.bytes,
                    init.sha256,
                    INIT_CONTENT_TYPE,
                )
            elif which == "export_id":
                exp = await repo.get_export(s, _uuid(req.export_id))
                if exp is None:
                    raise NotFoundError("recording.export.not_found", "no such export")
                key, version, total, sha, ctype = (
                    exp.object_key,
                    exp.version_id,
                    exp.bytes,
                    exp.sha256,
                    EXPORT_CONTENT_TYPE,
                )
            else:
                raise InvalidInputError("recording.read.no_object", "name an object")
        if req.offset > total:
            raise InvalidInputError("recording.read.bad_offset", "offset beyond the object")
        chunk = self.rec.settings.object_chunk_bytes
        length = min(req.length or chunk, chunk, total - req.offset)
        data = (
            await self.rec.store.get(key, version_id=version, offset=req.offset, length=length)
            if length > 0
            else b""
        )
        if req.offset == 0 and length == total and await asyncio.to_thread(_sha256, data) != sha:
            raise InvalidInputError(
                "recording.read.integrity", f"{key}: stored bytes do not match their SHA-256"
            )
        return api.ObjectChunk(
            data=data,
            offset=req.offset,
            total_bytes=total,
            sha256=sha,
            content_type=ctype,
            eof=req.offset + len(data) >= total,
        )

    # ------------------------------------------------------------------ holds, exports

    async def place_hold(self, req: api.PlaceLegalHoldRequest) -> api.LegalHoldReply:
        start, end = _range(req, "legal_hold")
        result = await holds.place_hold(
            self.rec,
            case_reference=req.case_reference,
            authority=req.authority,
            reason=req.reason,
            camera_ids=list(req.camera_ids),
            start=start,
            end=end,
            actor=req.actor,
        )
        return api.LegalHoldReply(
            hold=hold_message(result.hold), segments_changed=result.segments_changed
        )

    async def release_hold(self, req: api.ReleaseLegalHoldRequest) -> api.LegalHoldReply:
        result = await holds.release_hold(
            self.rec, hold_id=req.hold_id, reason=req.reason, actor=req.actor
        )
        return api.LegalHoldReply(
            hold=hold_message(result.hold), segments_changed=result.segments_changed
        )

    async def create_export(self, req: api.CreateExportRequest) -> api.ExportReply:
        start, end = _range(req, "export")
        r = await export.create_export(
            self.rec,
            camera_id=req.camera_id,
            start=start,
            end=end,
            requester=req.requester,
            purpose_code=req.purpose_code,
            purpose_text=req.purpose_text,
            grant_id=req.grant_id,
        )
        return api.ExportReply(
            export_id=str(r.export_id),
            file=object_ref_pb2.ObjectRef(
                bucket=self.rec.store.bucket,
                key=r.object_key,
                version_id=r.version_id,
                size_bytes=r.size,
                sha256=r.sha256,
                content_type=EXPORT_CONTENT_TYPE,
            ),
            manifest_json=r.manifest_json.decode(),
            signature=r.signature,
            segments=r.segments,
            gaps=r.gaps,
        )

    async def decommission(self, req: api.DecommissionRequest) -> api.DeletionCertificateReply:
        scopes = {api.DECOMMISSION_SCOPE_CAMERA: "camera", api.DECOMMISSION_SCOPE_BUCKET: "bucket"}
        if req.scope not in scopes:
            raise InvalidInputError("recording.decommission.bad_scope", "scope: camera or bucket")
        cert = await decommission.decommission(
            self.rec,
            scope=scopes[req.scope],
            camera_id=req.camera_id,
            reason=req.reason,
            document_reference=req.document_reference,
            actor=req.actor,
        )
        return api.DeletionCertificateReply(
            certificate_id=str(cert.certificate_id),
            certificate_json=cert.json.decode(),
            signature=cert.signature,
            public_key=cert.public_key,
            objects_deleted=cert.objects_deleted,
            segments_deleted=cert.segments_deleted,
        )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as e:
        raise NotFoundError("recording.object.not_found", "no such object") from e
