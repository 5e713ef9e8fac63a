"""Gap reports: recorded against expected time per camera and day (UTC+7), for one camera or
the cameras of one commune (composed from the registry's list and the recorder's report)."""

from __future__ import annotations

from tncam.recording.v1 import recording_api_pb2 as api
from tncam.registry.v1 import service_pb2 as rpb
from tncam_gateway.clients.recorder import StorageRecords
from tncam_gateway.clients.registry import GATEWAY_ACTOR, CameraDirectory
from tncam_gateway.domain.caller import Caller
from tncam_gateway.domain.policy import commune_report, enforce
from tncam_gateway.service.footage import FootageGuard
from tncam_mesh.errors import NotFoundError


class GapService:
    """Gap reports for whoever may read the camera, or the commune."""

    def __init__(
        self, *, records: StorageRecords, directory: CameraDirectory, footage: FootageGuard
    ) -> None:
        self.records = records
        self.directory = directory
        self.footage = footage

    async def camera(self, caller: Caller, camera_id: str, date: str) -> api.CameraDayGaps:
        """One camera's day (404 outside the caller's scope, as an unknown camera)."""
        await self.footage.readable(caller, camera_id)
        reply = await self.records.gap_report([camera_id], date)
        return reply.cameras[0]

    async def commune(
        self, caller: Caller, commune_code: str, date: str, page_size: int, page_token: str
    ) -> tuple[list[api.CameraDayGaps], str, int]:
        """One page of a commune's cameras with their day: the items, the registry's next
        page token and the number of cameras."""
        units = await self.directory.commune_units(commune_code)
        if units is None:
            raise NotFoundError(
                "gateway.commune.not_found", f"Không tìm thấy xã/phường {commune_code!r}"
            )
        enforce(commune_report(caller.principal, units), "Không có quyền xem báo cáo của xã")
        page = await self.directory.list_cameras(
            rpb.ListCamerasRequest(
                actor=GATEWAY_ACTOR,
                commune_codes=[commune_code],
                page_size=page_size,
                page_token=page_token,
            )
        )
        ids = [c.id for c in page.cameras]
        cameras = list((await self.records.gap_report(ids, date)).cameras) if ids else []
        return cameras, page.next_page_token, page.total_size
