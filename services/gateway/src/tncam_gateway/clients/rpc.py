"""The common part of the gateway's clients: one operation of another service over NATS."""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import Message

from tncam_contracts.catalog import RequestSpec
from tncam_mesh.bus import Bus
from tncam_mesh.rpc import call

Rep = TypeVar("Rep", bound=Message)


class RpcClient:
    """Calls operations in the gateway's namespace with the configured timeout."""

    def __init__(self, bus: Bus, *, namespace: str, timeout_s: float = 5.0) -> None:
        self._bus = bus
        self._namespace = namespace
        self._timeout = timeout_s

    async def _call(
        self,
        spec: RequestSpec,
        request: Message,
        reply_type: type[Rep],
        *,
        timeout: float | None = None,
    ) -> Rep:
        return await call(
            self._bus,
            spec,
            request,
            reply_type,
            namespace=self._namespace,
            timeout=self._timeout if timeout is None else timeout,
        )
