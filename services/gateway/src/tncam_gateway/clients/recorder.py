"""The recorder's operations the gateway uses, over NATS (timeline, playlists, bytes, snapshots,
exports)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.common.v1 import actor_pb2, object_ref_pb2
from tncam.recording.v1 import recording_api_pb2 as api
from tncam_contracts.catalog import (
    RECORDING_CREATE_EXPORT,
    RECORDING_DECOMMISSION,
    RECORDING_GET_GAP_REPORT,
    RECORDING_GET_LIVE_PLAYLIST,
    RECORDING_GET_OBJECT,
    RECORDING_GET_PLAYLIST,
    RECORDING_GET_SNAPSHOT,
    RECORDING_GET_TIMELINE,
    RECORDING_LIST_DECOMMISSIONS,
    RECORDING_LIST_LEGAL_HOLDS,
    RECORDING_LIST_SEGMENTS,
    RECORDING_PLACE_LEGAL_HOLD,
    RECORDING_RELEASE_LEGAL_HOLD,
    RECORDING_SIGN_OFF_DECOMMISSION,
)
from tncam_gateway.clients.rpc import RpcClient
from tncam_mesh.bus import Bus

#: Bytes asked per get_object call (well under the NATS payload limit).
CHUNK_BYTES = 1024 * 1024


def ts(t: datetime) -> Timestamp:
    """A protobuf timestamp."""
    out = Timestamp()
    out.FromDatetime(t)
    return out


class Recordings(RpcClient):
    """Client of ``tncam.recording.v1.*``."""

    def __init__(
        self, bus: Bus, *, namespace: str, timeout_s: float = 5.0, export_timeout_s: float = 120.0
    ) -> None:
        super().__init__(bus, namespace=namespace, timeout_s=timeout_s)
        self._export_timeout = export_timeout_s

    async def timeline(self, camera_id: str, start: datetime, end: datetime) -> api.TimelineReply:
        """Recorded ranges and gaps of a camera in [start, end)."""
        return await self._call(
            RECORDING_GET_TIMELINE,
            api.GetTimelineRequest(camera_id=camera_id, start=ts(start), end=ts(end)),
            api.TimelineReply,
        )

    async def segment_ids(self, camera_id: str, start: datetime, end: datetime) -> set[str]:
        """Ids of the segments of a camera that started in [start, end)."""
        reply = await self._call(
            RECORDING_LIST_SEGMENTS,
            api.ListSegmentsRequest(camera_id=camera_id, start=ts(start), end=ts(end)),
            api.ListSegmentsReply,
        )
        return {s.segment_id for s in reply.segments}

    async def playlist(self, camera_id: str, start: datetime, end: datetime) -> api.PlaylistReply:
        """The VOD playlist of a camera in [start, end) (NotFoundError when nothing recorded)."""
        return await self._call(
            RECORDING_GET_PLAYLIST,
            api.GetPlaylistRequest(camera_id=camera_id, start=ts(start), end=ts(end)),
            api.PlaylistReply,
        )

    async def live_playlist(self, camera_id: str) -> api.PlaylistReply:
        """The near-live playlist of a camera's newest segments."""
        return await self._call(
            RECORDING_GET_LIVE_PLAYLIST,
            api.GetLivePlaylistRequest(camera_id=camera_id),
            api.PlaylistReply,
        )

    async def first_chunk(self, request: api.ReadObjectRequest) -> api.ObjectChunk:
        """The first chunk of an object (its size, type and hash): read before answering."""
        request.offset = 0
        request.length = CHUNK_BYTES
        return await self._call(RECORDING_GET_OBJECT, request, api.ObjectChunk)

    async def rest(
        self, request: api.ReadObjectRequest, first: api.ObjectChunk
    ) -> AsyncIterator[bytes]:
        """The bytes of the object, starting with ``first``'s."""
        yield first.data
        offset = len(first.data)
        eof = first.eof
        while not eof:
            request.offset = offset
            request.length = CHUNK_BYTES
            chunk = await self._call(RECORDING_GET_OBJECT, request, api.ObjectChunk)
            if not chunk.data and not chunk.eof:
                raise RuntimeError("recorder returned an empty chunk before the end")
            offset += len(chunk.data)
            eof = chunk.eof
            yield chunk.data

    async def snapshot(self, camera_id: str, image: object_ref_pb2.ObjectRef) -> bytes:
        """The snapshot JPEG ``image`` names, if the recorder finds it to be ``camera_id``'s
        (NotFoundError otherwise; ConflictError when ingest replaced it meanwhile)."""
        reply = await self._call(
            RECORDING_GET_SNAPSHOT,
            api.GetSnapshotRequest(camera_id=camera_id, image=image),
            api.ObjectChunk,
        )
        return reply.data

    async def create_export(
        self,
        *,
        camera_id: str,
        start: datetime,
        end: datetime,
        requester: actor_pb2.Actor,
        purpose: apb.PurposeCode,
        purpose_text: str,
        grant_id: str,
    ) -> api.ExportReply:
        """Ask the recorder for a signed export (remux; can take a while)."""
        return await self._call(
            RECORDING_CREATE_EXPORT,
            api.CreateExportRequest(
                camera_id=camera_id,
                start=ts(start),
                end=ts(end),
                requester=requester,
                purpose_code=purpose,
                purpose_text=purpose_text,
                grant_id=grant_id,
            ),
            api.ExportReply,
            timeout=self._export_timeout,
        )


#: A decommissioning deletes every version under a prefix: it can take long.
DECOMMISSION_TIMEOUT_S = 300.0


class StorageRecords(RpcClient):
    """Client of the recorder's case and storage records: legal holds, decommissionings and
    their sign-offs, and the gap report."""

    async def place_hold(self, request: api.PlaceLegalHoldRequest) -> api.LegalHoldReply:
        """Place a legal hold (the recorder audits it before it takes effect)."""
        return await self._call(
            RECORDING_PLACE_LEGAL_HOLD, request, api.LegalHoldReply, timeout=60.0
        )

    async def release_hold(self, request: api.ReleaseLegalHoldRequest) -> api.LegalHoldReply:
        """Release a legal hold."""
        return await self._call(
            RECORDING_RELEASE_LEGAL_HOLD, request, api.LegalHoldReply, timeout=60.0
        )

    async def list_holds(self, request: api.ListLegalHoldsRequest) -> api.ListLegalHoldsReply:
        """One page of legal holds."""
        return await self._call(RECORDING_LIST_LEGAL_HOLDS, request, api.ListLegalHoldsReply)

    async def decommission(self, request: api.DecommissionRequest) -> api.DeletionCertificateReply:
        """Wipe a camera's footage and get the signed certificate."""
        return await self._call(
            RECORDING_DECOMMISSION,
            request,
            api.DeletionCertificateReply,
            timeout=DECOMMISSION_TIMEOUT_S,
        )

    async def list_decommissions(
        self, request: api.ListDecommissionsRequest
    ) -> api.ListDecommissionsReply:
        """One page of decommissionings."""
        return await self._call(RECORDING_LIST_DECOMMISSIONS, request, api.ListDecommissionsReply)

    async def sign_off(self, request: api.SignOffDecommissionRequest) -> api.DecommissionRecord:
        """Record the technical sign-off of a certificate."""
        return await self._call(RECORDING_SIGN_OFF_DECOMMISSION, request, api.DecommissionRecord)

    async def gap_report(self, camera_ids: list[str], date: str) -> api.GapReportReply:
        """Each camera's recorded and missing time on one day (UTC+7)."""
        return await self._call(
            RECORDING_GET_GAP_REPORT,
            api.GetGapReportRequest(camera_ids=camera_ids, date=date),
            api.GapReportReply,
            timeout=max(self._timeout, 30.0),
        )
