"""The registry's ONVIF operations (issue 17) as the gateway uses them: probe, onboarding,
the police's acceptance of a camera's security, PTZ and its lock, WS-Discovery."""

from __future__ import annotations

from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts.catalog import (
    REGISTRY_ACCEPT_SECURITY_ASSESSMENT,
    REGISTRY_DISCOVER_DEVICES,
    REGISTRY_ONBOARD_CAMERA,
    REGISTRY_PROBE_CAMERA,
    REGISTRY_PTZ_CAMERA,
    REGISTRY_SET_PTZ_LOCK,
)
from tncam_gateway.clients.rpc import RpcClient

#: A probe talks to the device several times (bounded by the registry's ONVIF_TIMEOUT_S).
PROBE_TIMEOUT_S = 120.0
#: A PTZ command or a discovery waits for the device or for answers.
DEVICE_TIMEOUT_S = 40.0


class OnvifOperations(RpcClient):
    """Client of the registry's ONVIF operations."""

    async def probe(self, request: rpb.ProbeCameraRequest) -> rpb.Camera:
        reply = await self._call(
            REGISTRY_PROBE_CAMERA, request, rpb.ProbeCameraReply, timeout=PROBE_TIMEOUT_S
        )
        return reply.camera

    async def onboard(self, request: rpb.OnboardCameraRequest) -> rpb.Camera:
        reply = await self._call(
            REGISTRY_ONBOARD_CAMERA, request, rpb.OnboardCameraReply, timeout=PROBE_TIMEOUT_S
        )
        return reply.camera

    async def accept(self, request: rpb.AcceptSecurityAssessmentRequest) -> rpb.Camera:
        reply = await self._call(
            REGISTRY_ACCEPT_SECURITY_ASSESSMENT, request, rpb.AcceptSecurityAssessmentReply
        )
        return reply.camera

    async def ptz(self, request: rpb.PtzCameraRequest) -> rpb.PtzCameraReply:
        return await self._call(
            REGISTRY_PTZ_CAMERA, request, rpb.PtzCameraReply, timeout=DEVICE_TIMEOUT_S
        )

    async def set_lock(self, request: rpb.SetPtzLockRequest) -> rpb.Camera:
        reply = await self._call(REGISTRY_SET_PTZ_LOCK, request, rpb.SetPtzLockReply)
        return reply.camera

    async def discover(self, request: rpb.DiscoverDevicesRequest) -> rpb.DiscoverDevicesReply:
        return await self._call(
            REGISTRY_DISCOVER_DEVICES, request, rpb.DiscoverDevicesReply, timeout=DEVICE_TIMEOUT_S
        )
