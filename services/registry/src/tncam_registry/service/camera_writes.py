"""Writing one camera: its rows, KV value, change event and audit record, in one transaction.

Shared by the API's create/update/deactivate and by the file import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import service_pb2
from tncam_contracts.catalog import CAMERA_CONFIG_CHANGED
from tncam_contracts.units import commune_unit_id
from tncam_mesh.errors import NotFoundError
from tncam_registry.bus.events import config_changed
from tncam_registry.db import cameras as db
from tncam_registry.db import onvif as db_onvif
from tncam_registry.domain import importing as imp
from tncam_registry.domain.credentials import Credentials
from tncam_registry.domain.model import default_site_id, default_site_name
from tncam_registry.domain.onvif import Assessment, may_activate
from tncam_registry.domain.views import audit_image, camera_to_pb
from tncam_registry.service.context import RegistryContext


@dataclass(frozen=True)
class CameraWrite:
    """One camera's new configuration, as a create, update or import writes it."""

    actor: actor_pb2.Actor
    camera_id: str
    values: dict[str, Any]
    creds: Credentials | None
    set_credentials: bool
    request_id: str
    activate: bool = False


async def site_for(
    ctx: RegistryContext, s: AsyncSession, row: imp.CameraRow, site_id: str = ""
) -> str:
    """The named site (which must exist), or the commune's default site of the row's kind."""
    if site_id:
        if await db.site_row(s, site_id) is None:
            raise NotFoundError("registry.camera.site_not_found", f"no site {site_id}")
        return site_id
    sid = default_site_id(row.commune_code, row.site_kind)
    await db.ensure_site(
        s,
        sid,
        {
            "name": default_site_name(row.site_kind, ctx.ref.commune_name(row.commune_code)),
            "kind": row.site_kind.value,
            "commune_code": row.commune_code,
            "unit_id": commune_unit_id(row.commune_code),
            "notice_required": row.site_kind.notice_required,
        },
    )
    return sid


def _seal(ctx: RegistryContext, w: CameraWrite) -> bytes | None:
    if w.set_credentials and w.creds is not None and not w.creds.empty:
        return ctx.box.seal(w.camera_id, w.creds)
    return None


async def _insert(s: AsyncSession, w: CameraWrite, sealed: bytes | None, now: dt.datetime) -> None:
    row = {
        **w.values,
        "id": w.camera_id,
        "active": True,
        "revision": 1,
        "created_at": now,
        "updated_at": now,
        "credentials_sealed": sealed,
        "credentials_revision": 1 if sealed else 0,
    }
    await db.insert_camera(s, row)


async def _update(
    s: AsyncSession, w: CameraWrite, existing: Any, sealed: bytes | None, now: dt.datetime
) -> bool:
    """Apply the differences; False if there were none."""
    changed = {k: v for k, v in w.values.items() if existing[k] != v}
    creds_changed = w.set_credentials and (
        sealed is not None or existing["credentials_sealed"] is not None
    )
    reactivate = w.activate and not existing["active"]
    if not changed and not creds_changed and not reactivate:
        return False
    update: dict[str, Any] = {**changed, "revision": existing["revision"] + 1, "updated_at": now}
    if creds_changed:
        update["credentials_sealed"] = sealed
        update["credentials_revision"] = existing["credentials_revision"] + 1
    if reactivate:
        update["active"] = True
        update["deactivated_at"] = None
    await db.update_camera(s, w.camera_id, update)
    return True


async def write_camera(ctx: RegistryContext, s: AsyncSession, w: CameraWrite, existing: Any) -> str:
    """Insert or update one camera with its outbox rows; returns created/updated/unchanged."""
    now = ctx.clock()
    sealed = _seal(ctx, w)
    if existing is None:
        await _insert(s, w, sealed, now)
        action, before = "camera.config.created", None
    else:
        if not await _update(s, w, existing, sealed, now):
            return "unchanged"
        action, before = "camera.config.updated", audit_image(existing)
    after_row = await db.lock_camera(s, w.camera_id)
    assert after_row is not None
    commune_code = await db.site_commune(s, after_row["site_id"])
    await publish_config(ctx, s, after_row, commune_code, now)
    with_credentials = sealed is not None or (existing is not None and w.set_credentials)
    await ctx.audit(
        s,
        actor=w.actor,
        action=action,
        cameras=[w.camera_id],
        before=before,
        after=audit_image(after_row),
        request_id=w.request_id,
        categories=(
            (audit_pb.DATA_CATEGORY_CONFIGURATION, audit_pb.DATA_CATEGORY_CREDENTIAL)
            if with_credentials
            else (audit_pb.DATA_CATEGORY_CONFIGURATION,)
        ),
    )
    return "created" if existing is None else "updated"


async def publish_config(
    ctx: RegistryContext, s: AsyncSession, row: Any, commune_code: str, now: dt.datetime
) -> None:
    """Queue the camera's KV value (or its removal) and its change event in the outbox."""
    camera_id, revision = row["id"], row["revision"]
    # Commissioning waits for the security assessment (Art. 18.2): not pulled before.
    if (
        ctx.require_assessment
        and row["active"]
        and not may_activate(Assessment(await db_onvif.assessment_of(s, camera_id)))
    ):
        row = {**row, "active": False}
    event, config = config_changed(row, commune_code, now)
    if config is not None:
        await ctx.outbox.kv_put(s, camera_id, config, f"kv:{camera_id}:{revision}")
    else:
        await ctx.outbox.kv_delete(s, camera_id, f"kv:{camera_id}:{revision}")
    await ctx.outbox.event(
        s, CAMERA_CONFIG_CHANGED, camera_id, event, f"config:{camera_id}:{revision}"
    )


async def view(ctx: RegistryContext, camera_id: str) -> service_pb2.Camera:
    """The camera as the API shows it, read after the change committed."""
    async with ctx.sessions() as s:
        row = await db.camera_view(s, camera_id)
    if row is None:
        raise NotFoundError("registry.camera.not_found", f"no camera {camera_id}")
    return camera_to_pb(row, ctx.today())


async def republish(ctx: RegistryContext, s: AsyncSession, camera_id: str) -> None:
    """Publish the camera's configuration again at a new revision (its assessment changed
    whether ingest may pull it)."""
    row = await db.lock_camera(s, camera_id)
    if row is None:
        return
    now = ctx.clock()
    await db.update_camera(s, camera_id, {"revision": row["revision"] + 1, "updated_at": now})
    row = await db.lock_camera(s, camera_id)
    assert row is not None
    await publish_config(ctx, s, row, await db.site_commune(s, row["site_id"]), now)
