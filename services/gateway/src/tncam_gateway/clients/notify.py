"""The registry's notification operations as the gateway uses them, over NATS (ADR 0025)."""

from __future__ import annotations

from tncam.registry.v1 import notify_pb2 as npb
from tncam_contracts.catalog import (
    REGISTRY_GET_NOTIFICATION_TARGETS,
    REGISTRY_LIST_NOTICES,
    REGISTRY_SET_NOTIFICATION_TARGETS,
)
from tncam_gateway.clients.rpc import RpcClient


class NotifyDirectory(RpcClient):
    """Client of ``tncam.registry.v1.{get,set}_notification_targets`` and ``list_notices``."""

    async def targets(self, request: npb.GetNotificationTargetsRequest) -> npb.NotificationTargets:
        """A unit's targets (no secrets)."""
        reply = await self._call(
            REGISTRY_GET_NOTIFICATION_TARGETS, request, npb.NotificationTargetsReply
        )
        return reply.targets

    async def set_targets(
        self, request: npb.SetNotificationTargetsRequest
    ) -> npb.NotificationTargets:
        """Replace a unit's targets; the registry re-checks the actor and audits the change."""
        reply = await self._call(
            REGISTRY_SET_NOTIFICATION_TARGETS, request, npb.NotificationTargetsReply
        )
        return reply.targets

    async def notices(self, request: npb.ListNoticesRequest) -> npb.ListNoticesReply:
        """A page of notices."""
        return await self._call(REGISTRY_LIST_NOTICES, request, npb.ListNoticesReply)
