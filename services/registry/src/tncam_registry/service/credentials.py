"""Credentials disclosure: ingest resolves a camera's reference to its user and password."""

from __future__ import annotations

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, NotFoundError
from tncam_registry.db import credentials as db
from tncam_registry.domain import access
from tncam_registry.domain.credentials import Credentials
from tncam_registry.domain.model import camera_id_of_ref
from tncam_registry.service.context import RegistryContext


async def resolve_credentials(
    ctx: RegistryContext, ref: str, worker_id: str
) -> tuple[Credentials, int]:
    """The credentials behind a reference (ingest only) and their revision; audited."""
    camera_id = camera_id_of_ref(ref)
    if camera_id is None:
        raise InvalidInputError(
            "registry.resolve_credentials.invalid_ref", "not a registry credentials reference"
        )
    async with unit_of_work(ctx.sessions) as s:
        row = await db.sealed_credentials(s, camera_id)
        if row is None or not row.active or row.credentials_sealed is None:
            raise NotFoundError(
                "registry.resolve_credentials.not_found",
                f"no credentials for camera {camera_id}",
            )
        creds = ctx.box.open(camera_id, bytes(row.credentials_sealed))
        await ctx.audit(
            s,
            actor=access.ingest_actor(worker_id),
            action="camera.credentials.resolved",
            cameras=[camera_id],
            categories=(audit_pb.DATA_CATEGORY_CREDENTIAL,),
            purpose=audit_pb.PURPOSE_CODE_TECHNICAL_MAINTENANCE,
        )
    await ctx.flush()
    return creds, int(row.credentials_revision)
