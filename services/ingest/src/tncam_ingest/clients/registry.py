"""The registry over NATS request-reply: camera credentials, resolved at each connect."""

from __future__ import annotations

from dataclasses import dataclass

from tncam.registry.v1 import credentials_pb2
from tncam_contracts.catalog import REGISTRY_RESOLVE_CREDENTIALS
from tncam_mesh import rpc
from tncam_mesh.bus import Bus


@dataclass(frozen=True, slots=True)
class Credentials:
    """A camera's user name and password (a secret: never logged, kept in memory only)."""

    username: str
    password: str

    def __repr__(self) -> str:
        return "Credentials(***)"


class RegistryClient:
    """The registry's endpoints ingest calls."""

    def __init__(self, bus: Bus, *, namespace: str, worker_id: str) -> None:
        self._bus = bus
        self._namespace = namespace
        self._worker_id = worker_id

    async def resolve_credentials(self, credentials_ref: str) -> Credentials:
        """The credentials behind ``credentials_ref`` (raises the registry's TncamError)."""
        reply = await rpc.call(
            self._bus,
            REGISTRY_RESOLVE_CREDENTIALS,
            credentials_pb2.ResolveCredentialsRequest(
                credentials_ref=credentials_ref, worker_id=self._worker_id
            ),
            credentials_pb2.ResolveCredentialsReply,
            namespace=self._namespace,
        )
        return Credentials(reply.username, reply.password)
