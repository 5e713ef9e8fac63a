"""The recorder's request/reply operations (NATS micro): decode, call one service, map errors."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from tncam.common.v1 import object_ref_pb2
from tncam.recording.v1 import recording_api_pb2 as api
from tncam_contracts import catalog
from tncam_mesh.errors import InvalidInputError, NotFoundError
from tncam_mesh.rpc import RpcService
from tncam_recorder.db.decommissions import DecommissionRow
from tncam_recorder.db.rows import HoldRow, SegmentRow
from tncam_recorder.domain.actors import actor_from
from tncam_recorder.domain.keys import EXPORT_CONTENT_TYPE, SEGMENT_CONTENT_TYPE
from tncam_recorder.domain.requests import camera, time_range
from tncam_recorder.domain.snapshots import SNAPSHOT_CONTENT_TYPE, SnapshotRef
from tncam_recorder.domain.timeline import Span, Timeline
from tncam_recorder.service import (
    decommission,
    decommission_records,
    export,
    holds,
    objects,
    reading,
    snapshots,
)
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


def segment_info(row: SegmentRow) -> api.SegmentInfo:
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


def hold_message(h: HoldRow) -> api.LegalHold:
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
        document_number=h.document_number,
    )
    if h.released_at is not None:
        msg.released_at.FromDatetime(h.released_at)
        msg.released_by.CopyFrom(actor_from(h.released_by))
    return msg


def _ranges(spans: Sequence[Span]) -> list[api.TimeRange]:
    return [api.TimeRange(start=_ts(g.start), end=_ts(g.end)) for g in spans]


def _playlist_reply(text: str, rows: list[SegmentRow]) -> api.PlaylistReply:
    return api.PlaylistReply(
        playlist=text, segments=len(rows), segment_ids=[str(r.segment_id) for r in rows]
    )


def _timeline_reply(cam: str, tl: Timeline) -> api.TimelineReply:
    return api.TimelineReply(
        camera_id=cam,
        range=api.TimeRange(start=_ts(tl.window.start), end=_ts(tl.window.end)),
        recorded=[
            api.RecordedRange(start=_ts(r.start), end=_ts(r.end), segments=r.segments)
            for r in tl.recorded
        ],
        gaps=_ranges(tl.gaps),
        recorded_seconds=tl.recorded_seconds,
    )


def _day_gaps(cam: str, date: dt.date, window: Span, tl: Timeline) -> api.CameraDayGaps:
    return api.CameraDayGaps(
        camera_id=cam,
        date=date.isoformat(),
        range=api.TimeRange(start=_ts(window.start), end=_ts(window.end)),
        gaps=_ranges(tl.gaps),
        recorded_seconds=tl.recorded_seconds,
        gap_seconds=tl.gap_seconds,
        coverage=tl.coverage,
    )


def _object_request(req: api.ReadObjectRequest) -> objects.ObjectRequest:
    which = req.WhichOneof("object")
    at, length = req.offset, req.length
    if which == "segment_id":
        segment = _uuid(req.segment_id)
        return objects.ObjectRequest("segment", segment, offset=at, length=length)
    if which == "export_id":
        export_id = _uuid(req.export_id)
        return objects.ObjectRequest("export", export_id, offset=at, length=length)
    if which == "init":
        cam, sha = camera(req.init.camera_id, "read"), req.init.init_sha256
        return objects.ObjectRequest("init", None, cam, sha, offset=at, length=length)
    raise InvalidInputError("recording.read.no_object", "name an object")


def _export_reply(rec: Recorder, r: export.ExportResult) -> api.ExportReply:
    return api.ExportReply(
        export_id=str(r.export_id),
        file=object_ref_pb2.ObjectRef(
            bucket=rec.store.bucket,
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


def _certificate_reply(cert: decommission.Certificate) -> api.DeletionCertificateReply:
    return api.DeletionCertificateReply(
        certificate_id=str(cert.certificate_id),
        certificate_json=cert.json.decode(),
        signature=cert.signature,
        public_key=cert.public_key,
        objects_deleted=cert.objects_deleted,
        segments_deleted=cert.segments_deleted,
    )


_SCOPES = {api.DECOMMISSION_SCOPE_CAMERA: "camera", api.DECOMMISSION_SCOPE_BUCKET: "bucket"}


async def list_segments(rec: Recorder, req: api.ListSegmentsRequest) -> api.ListSegmentsReply:
    """``list_segments``: the camera's segments in a range."""
    cam = camera(req.camera_id, "list_segments")
    start, end = _range(req, "list_segments")
    rows, truncated = await reading.list_segments(rec, cam, start, end, req.limit)
    return api.ListSegmentsReply(segments=[segment_info(r) for r in rows], truncated=truncated)


async def get_timeline(rec: Recorder, req: api.GetTimelineRequest) -> api.TimelineReply:
    """``get_timeline``: recorded ranges and gaps of a camera in a range."""
    cam = camera(req.camera_id, "timeline")
    start, end = _range(req, "timeline")
    return _timeline_reply(cam, await reading.timeline(rec, cam, start, end))


async def gap_report(rec: Recorder, req: api.GetGapReportRequest) -> api.GapReportReply:
    """``get_gap_report``: each camera's gaps on one report day."""
    try:
        date = dt.date.fromisoformat(req.date)
    except ValueError as e:
        raise InvalidInputError("recording.gap_report.bad_date", "date: YYYY-MM-DD") from e
    if not req.camera_ids:
        raise InvalidInputError("recording.gap_report.no_cameras", "camera_ids is empty")
    cams = [camera(c, "gap_report") for c in req.camera_ids]
    window, timelines = await reading.gap_report(rec, date, cams)
    return api.GapReportReply(
        cameras=[_day_gaps(c, date, window, tl) for c, tl in zip(cams, timelines, strict=True)]
    )


async def playlist(rec: Recorder, req: api.GetPlaylistRequest) -> api.PlaylistReply:
    """``get_playlist``: the VOD playlist of a range."""
    cam = camera(req.camera_id, "playlist")
    start, end = _range(req, "playlist")
    return _playlist_reply(*await reading.playlist(rec, cam, start, end))


async def live_playlist(rec: Recorder, req: api.GetLivePlaylistRequest) -> api.PlaylistReply:
    """``get_live_playlist``: the near-live playlist."""
    cam = camera(req.camera_id, "live_playlist")
    return _playlist_reply(*await reading.live_playlist(rec, cam, req.segments))


async def read_object(rec: Recorder, req: api.ReadObjectRequest) -> api.ObjectChunk:
    """``get_object``: one chunk of a segment, init segment or export file."""
    chunk = await objects.read_object(rec, _object_request(req))
    return api.ObjectChunk(
        data=chunk.data,
        offset=chunk.offset,
        total_bytes=chunk.located.total,
        sha256=chunk.located.sha256,
        content_type=chunk.located.content_type,
        eof=chunk.eof,
    )


async def get_snapshot(rec: Recorder, req: api.GetSnapshotRequest) -> api.ObjectChunk:
    """``get_snapshot``: a camera's newest snapshot JPEG, whole, in one chunk."""
    image = req.image
    ref = SnapshotRef(
        bucket=image.bucket,
        key=image.key,
        version_id=image.version_id,
        size_bytes=image.size_bytes,
        sha256=image.sha256,
    )
    data = await snapshots.read_snapshot(rec, req.camera_id, ref)
    return api.ObjectChunk(
        data=data,
        offset=0,
        total_bytes=len(data),
        sha256=ref.sha256,
        content_type=SNAPSHOT_CONTENT_TYPE,
        eof=True,
    )


async def place_hold(rec: Recorder, req: api.PlaceLegalHoldRequest) -> api.LegalHoldReply:
    """``place_legal_hold``."""
    start, end = _range(req, "legal_hold")
    result = await holds.place_hold(
        rec,
        case_reference=req.case_reference,
        authority=req.authority,
        reason=req.reason,
        camera_ids=list(req.camera_ids),
        start=start,
        end=end,
        actor=req.actor,
        document_number=req.document_number,
    )
    return api.LegalHoldReply(
        hold=hold_message(result.hold), segments_changed=result.segments_changed
    )


def _page(page_size: int, page_token: str, op: str) -> tuple[int, int]:
    """(limit, offset) of a list request: the token is the offset as decimal digits."""
    if page_size > 500:
        raise InvalidInputError(f"recording.{op}.bad_page_size", "page_size: 1-500")
    if page_token and not (page_token.isdigit() and len(page_token) <= 9):
        raise InvalidInputError(f"recording.{op}.bad_page_token", "invalid page_token")
    return page_size or 100, int(page_token or 0)


def _next(offset: int, returned: int, total: int) -> str:
    return str(offset + returned) if returned and offset + returned < total else ""


async def list_holds(rec: Recorder, req: api.ListLegalHoldsRequest) -> api.ListLegalHoldsReply:
    """``list_legal_holds``: one page, newest first."""
    limit, offset = _page(req.page_size, req.page_token, "list_legal_holds")
    rows, total = await holds.list_holds(
        rec,
        active_only=req.active_only,
        camera_id=req.camera_id,
        case_reference=req.case_reference,
        limit=limit,
        offset=offset,
    )
    return api.ListLegalHoldsReply(
        holds=[hold_message(h) for h in rows],
        next_page_token=_next(offset, len(rows), total),
        total=total,
    )


def decommission_message(d: DecommissionRow) -> api.DecommissionRecord:
    msg = api.DecommissionRecord(
        certificate_id=str(d.certificate_id),
        scope=d.scope,
        camera_id=d.camera_id,
        issued_at=_ts(d.issued_at),
        certificate_json=d.certificate_json,
        signature=d.signature,
        public_key=d.public_key,
    )
    if d.sign_off is not None:
        o = d.sign_off
        msg.sign_off.CopyFrom(
            api.DecommissionSignOff(
                signer_name=o.signer_name,
                signer_role=o.signer_role,
                signed_on=o.signed_on.isoformat(),
                note=o.note,
                recorded_by=actor_from(o.recorded_by),
                recorded_at=_ts(o.recorded_at),
            )
        )
    return msg


async def list_decommissions(
    rec: Recorder, req: api.ListDecommissionsRequest
) -> api.ListDecommissionsReply:
    """``list_decommissions``: certificates and sign-offs, newest first."""
    limit, offset = _page(req.page_size, req.page_token, "list_decommissions")
    rows, total = await decommission_records.list_decommissions(
        rec, unsigned_only=req.unsigned_only, limit=limit, offset=offset
    )
    return api.ListDecommissionsReply(
        decommissions=[decommission_message(d) for d in rows],
        next_page_token=_next(offset, len(rows), total),
        total=total,
    )


async def sign_off_decommission(
    rec: Recorder, req: api.SignOffDecommissionRequest
) -> api.DecommissionRecord:
    """``sign_off_decommission``: the technical department's sign-off, once."""
    row = await decommission_records.sign_off(
        rec,
        certificate_id=req.certificate_id,
        signer_name=req.signer_name,
        signer_role=req.signer_role,
        signed_on=req.signed_on,
        note=req.note,
        actor=req.actor,
    )
    return decommission_message(row)


async def release_hold(rec: Recorder, req: api.ReleaseLegalHoldRequest) -> api.LegalHoldReply:
    """``release_legal_hold``."""
    result = await holds.release_hold(rec, hold_id=req.hold_id, reason=req.reason, actor=req.actor)
    return api.LegalHoldReply(
        hold=hold_message(result.hold), segments_changed=result.segments_changed
    )


async def create_export(rec: Recorder, req: api.CreateExportRequest) -> api.ExportReply:
    """``create_export`` (trích xuất)."""
    start, end = _range(req, "export")
    result = await export.create_export(
        rec,
        camera_id=req.camera_id,
        start=start,
        end=end,
        requester=req.requester,
        purpose_code=req.purpose_code,
        purpose_text=req.purpose_text,
        grant_id=req.grant_id,
    )
    return _export_reply(rec, result)


async def delete_recordings(
    rec: Recorder, req: api.DecommissionRequest
) -> api.DeletionCertificateReply:
    """``delete_recordings``: decommission a camera or the bucket."""
    if req.scope not in _SCOPES:
        raise InvalidInputError("recording.decommission.bad_scope", "scope: camera or bucket")
    cert = await decommission.decommission(
        rec,
        scope=_SCOPES[req.scope],
        camera_id=req.camera_id,
        reason=req.reason,
        document_reference=req.document_reference,
        actor=req.actor,
    )
    return _certificate_reply(cert)


async def add_endpoints(rpc: RpcService, rec: Recorder) -> None:
    """Register every ``tncam.recording.v1.*`` operation on ``rpc``."""
    on = functools.partial
    await rpc.add(catalog.RECORDING_LIST_SEGMENTS, api.ListSegmentsRequest, on(list_segments, rec))
    await rpc.add(catalog.RECORDING_GET_TIMELINE, api.GetTimelineRequest, on(get_timeline, rec))
    await rpc.add(catalog.RECORDING_GET_GAP_REPORT, api.GetGapReportRequest, on(gap_report, rec))
    await rpc.add(catalog.RECORDING_GET_PLAYLIST, api.GetPlaylistRequest, on(playlist, rec))
    await rpc.add(
        catalog.RECORDING_GET_LIVE_PLAYLIST, api.GetLivePlaylistRequest, on(live_playlist, rec)
    )
    await rpc.add(catalog.RECORDING_GET_OBJECT, api.ReadObjectRequest, on(read_object, rec))
    await rpc.add(catalog.RECORDING_GET_SNAPSHOT, api.GetSnapshotRequest, on(get_snapshot, rec))
    await rpc.add(
        catalog.RECORDING_PLACE_LEGAL_HOLD, api.PlaceLegalHoldRequest, on(place_hold, rec)
    )
    await rpc.add(
        catalog.RECORDING_RELEASE_LEGAL_HOLD, api.ReleaseLegalHoldRequest, on(release_hold, rec)
    )
    await rpc.add(catalog.RECORDING_CREATE_EXPORT, api.CreateExportRequest, on(create_export, rec))
    await rpc.add(
        catalog.RECORDING_DECOMMISSION, api.DecommissionRequest, on(delete_recordings, rec)
    )
    await rpc.add(
        catalog.RECORDING_LIST_LEGAL_HOLDS, api.ListLegalHoldsRequest, on(list_holds, rec)
    )
    await rpc.add(
        catalog.RECORDING_LIST_DECOMMISSIONS,
        api.ListDecommissionsRequest,
        on(list_decommissions, rec),
    )
    await rpc.add(
        catalog.RECORDING_SIGN_OFF_DECOMMISSION,
        api.SignOffDecommissionRequest,
        on(sign_off_decommission, rec),
    )


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as e:
        raise NotFoundError("recording.object.not_found", "no such object") from e
