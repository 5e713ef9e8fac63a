"""ONVIF through the gateway (issue 17): probe and onboard cameras, the police's acceptance of
their security, PTZ (Art. 7.3) and its lock, WS-Discovery. Authorized here by the policy
(PTZ by the footage rules: the owning unit, or the center with a grant to view the camera),
carried out and audited by the registry."""

from __future__ import annotations

from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts.units import commune_unit_id
from tncam_gateway.clients.registry import CameraDirectory
from tncam_gateway.clients.registry_onvif import OnvifOperations
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.errors import ThrottledError
from tncam_gateway.domain.policy import Action, CameraScope, decide, enforce, require
from tncam_gateway.service.footage import FootageGuard
from tncam_gateway.service.ratelimits import RateLimiter
from tncam_mesh.clock import Clock
from tncam_mesh.errors import UnavailableError


def _throttled(wait_s: float) -> ThrottledError:
    return ThrottledError(
        "gateway.ptz.rate_limited",
        "Điều khiển PTZ quá nhanh, vui lòng thử lại (PTZ commands too fast)",
        details={"retry_after_s": max(1, int(wait_s + 0.999))},
    )


class OnvifService:
    """The ONVIF operations on behalf of an authorized caller."""

    def __init__(
        self,
        *,
        directory: CameraDirectory,
        onvif: OnvifOperations,
        footage: FootageGuard,
        clock: Clock,
        ptz_limiter: RateLimiter,
    ) -> None:
        self.directory = directory
        self.onvif = onvif
        self.footage = footage
        self.clock = clock
        self.ptz_limiter = ptz_limiter

    async def _administered(self, caller: Caller, camera_id: str, action: Action) -> None:
        camera = await self.footage.readable(caller, camera_id)  # 404 outside the scope
        require(caller.principal, action, camera, now=self.clock())

    async def probe(self, caller: Caller, client: ClientInfo, camera_id: str) -> rpb.Camera:
        """Probe a camera the caller administers (province admin, the owning unit's operator)."""
        await self._administered(caller, camera_id, Action.CAMERA_ADMIN)
        cam = await self.onvif.probe(
            rpb.ProbeCameraRequest(actor=caller.actor(), id=camera_id, request_id=client.request_id)
        )
        self.directory.forget(camera_id)
        return cam

    async def onboard(
        self, caller: Caller, client: ClientInfo, request: rpb.OnboardCameraRequest
    ) -> rpb.Camera:
        """Register a camera from its ONVIF address (as creating one is authorized)."""
        fields = request.fields
        owner = fields.owner_unit_id or (
            commune_unit_id(fields.commune_code) if fields.commune_code else ""
        )
        require(
            caller.principal,
            Action.CAMERA_ADMIN,
            CameraScope(request.id, owner),
            now=self.clock(),
            message="Không có quyền đăng ký camera cho đơn vị này",
        )
        request.actor.CopyFrom(caller.actor())
        request.request_id = client.request_id
        return await self.onvif.onboard(request)

    async def accept(
        self, caller: Caller, client: ClientInfo, request: rpb.AcceptSecurityAssessmentRequest
    ) -> rpb.Camera:
        """Record the police's acceptance of a camera's security (province admin)."""
        await self._administered(caller, request.id, Action.SECURITY_ACCEPT)
        request.actor.CopyFrom(caller.actor())
        request.request_id = client.request_id
        return await self.onvif.accept(request)

    async def set_lock(
        self, caller: Caller, client: ClientInfo, camera_id: str, locked: bool
    ) -> rpb.Camera:
        """The owning unit (or the province admin) locks PTZ for the center, or unlocks it."""
        await self._administered(caller, camera_id, Action.CAMERA_ADMIN)
        return await self.onvif.set_lock(
            rpb.SetPtzLockRequest(
                actor=caller.actor(), id=camera_id, locked=locked, request_id=client.request_id
            )
        )

    async def ptz(
        self, caller: Caller, client: ClientInfo, request: rpb.PtzCameraRequest
    ) -> rpb.PtzCameraReply:
        """One PTZ command: an operator of the owning unit or sector, or an operator holding a
        grant to view the camera (the center: refused while the unit locks PTZ); rate-limited
        per account, and per camera by the registry."""
        wait = await self.ptz_limiter.take(caller.account_id)
        if wait > 0:
            raise _throttled(wait)
        camera = await self.footage.readable(caller, request.id)
        now = self.clock()
        decision = decide(caller.principal, Action.CAMERA_PTZ, camera, now=now)
        if not decision.allowed:
            held = await self.footage.held_grants(caller, request.id)
            decision = decide(caller.principal, Action.CAMERA_PTZ, camera, now=now, grants=held)
        enforce(decision, "Không có quyền điều khiển camera này (no PTZ on this camera)")
        request.actor.CopyFrom(caller.actor())
        request.as_center = decision.code != "own_unit"  # the unit's lock applies to the rest
        request.request_id = client.request_id
        try:
            return await self.onvif.ptz(request)
        except UnavailableError as e:
            if e.code == "registry.move_camera.rate_limited":
                raise _throttled(1.0) from e
            raise

    async def discover(
        self, caller: Caller, interface_address: str, timeout_s: float
    ) -> rpb.DiscoverDevicesReply:
        """WS-Discovery on one interface of the registry's host (province admin, unit
        operators; the registry must enable it)."""
        require(caller.principal, Action.CAMERA_ADMIN, now=self.clock())
        return await self.onvif.discover(
            rpb.DiscoverDevicesRequest(
                actor=caller.actor(), interface_address=interface_address, timeout_s=timeout_s
            )
        )
