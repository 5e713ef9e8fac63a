"""Where the gateway learns which unit and sectors own a camera: the registry, over NATS."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts.catalog import REGISTRY_GET_CAMERA
from tncam_gateway.domain.policy import CameraScope
from tncam_mesh.audit import service_actor
from tncam_mesh.bus import Bus
from tncam_mesh.errors import NotFoundError
from tncam_mesh.rpc import call

#: How the gateway names itself to the registry: it reads on its own authority, having
#: authorized the caller with its own policy (and it narrows list requests to the scope).
GATEWAY_ACTOR = service_actor("gateway")

#: The owning unit and sectors of a camera, None when the registry does not know it.
ScopeLookup = Callable[[str], Awaitable[CameraScope | None]]


class CameraDirectory:
    """Camera scopes from ``tncam.registry.v1.get_camera``, cached for a few seconds."""

    def __init__(
        self, bus: Bus, *, namespace: str, timeout_s: float = 5.0, ttl_s: float = 5.0
    ) -> None:
        self._bus = bus
        self._namespace = namespace
        self._timeout = timeout_s
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, CameraScope | None]] = {}

    async def camera(self, camera_id: str) -> rpb.Camera:
        """The registry's record of one camera (NotFoundError if unknown)."""
        reply = await call(
            self._bus,
            REGISTRY_GET_CAMERA,
            rpb.GetCameraRequest(actor=GATEWAY_ACTOR, id=camera_id),
            rpb.GetCameraReply,
            namespace=self._namespace,
            timeout=self._timeout,
        )
        return reply.camera

    def forget(self, camera_id: str) -> None:
        """Drop the cached scope of a camera (after a change made through this replica)."""
        self._cache.pop(camera_id, None)

    async def scope(self, camera_id: str) -> CameraScope | None:
        """The owning unit and sectors of a camera, or None if the registry does not know it."""
        now = time.monotonic()
        hit = self._cache.get(camera_id)
        if hit and now - hit[0] < self._ttl:
            return hit[1]
        try:
            cam = await self.camera(camera_id)
        except NotFoundError:
            found: CameraScope | None = None
        else:
            found = scope_of(cam)
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[camera_id] = (now, found)
        return found


def scope_of(cam: rpb.Camera) -> CameraScope:
    """The authorization view of a registry camera."""
    return CameraScope(
        camera_id=cam.id, unit_id=cam.owner_unit_id, sector_codes=frozenset(cam.sectors)
    )
