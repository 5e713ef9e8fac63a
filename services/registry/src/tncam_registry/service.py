"""The registry's use cases: one transaction each, side effects through the outbox.

Every change writes, in the same transaction: the new rows, an audit record (actor, action,
before/after without secrets), and — for cameras — the camera_config KV value and the
``camera_config_changed`` event. After commit the outbox relay publishes them (the caller's
reply waits for that flush, so a reply means "ingest can see it", except when NATS is down:
then the relay catches up later).
"""

from __future__ import annotations

import asyncio
import base64
import csv
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.camera.v1 import stats_pb2, status_pb2
from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import camera_config_pb2, camera_state_pb2, service_pb2
from tncam_contracts.catalog import CAMERA_CONFIG_CHANGED, CAMERA_STATE_CHANGED
from tncam_mesh.audit import new_event
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from tncam_registry import metrics as m
from tncam_registry.api.convert import (
    PB_TO_STATE,
    STATE_TO_PB,
    audit_image,
    camera_to_pb,
    ingest_config,
    iso,
    ts,
)
from tncam_registry.bus.outbox import Outbox, OutboxRelay
from tncam_registry.crypto import CredentialBox, Credentials
from tncam_registry.db import queries as q
from tncam_registry.db.tables import (
    camera_connection,
    cameras,
    communes,
    connection_needs,
    fault_tickets,
    sectors,
    sites,
    state_transitions,
    units,
)
from tncam_registry.domain import connection as conn_domain
from tncam_registry.domain import deadlines as dl
from tncam_registry.domain import importing as imp
from tncam_registry.domain import report as rep
from tncam_registry.domain.calendar import VN_TZ, WorkingCalendar, local_date
from tncam_registry.domain.model import (
    CAMERA_ID_RE,
    PROVINCE_UNITS,
    SECTORS,
    CameraState,
    SiteKind,
    UnitKind,
    camera_id_of_ref,
    commune_unit_id,
    default_site_id,
)

log = logging.getLogger("tncam.registry")

SERVICE = "registry"
Role = actor_pb2.Role
_WRITERS = (Role.ROLE_PROVINCE_ADMIN, Role.ROLE_SERVICE)
_PROVINCE_READERS = (
    Role.ROLE_PROVINCE_ADMIN,
    Role.ROLE_SERVICE,
    Role.ROLE_APP_CLIENT,
    Role.ROLE_AUDITOR,
)
_REASONS = {
    status_pb2.DISCONNECT_REASON_NONE: "none",
    status_pb2.DISCONNECT_REASON_TIMEOUT: "timeout",
    status_pb2.DISCONNECT_REASON_REFUSED: "refused",
    status_pb2.DISCONNECT_REASON_UNAUTHORIZED: "unauthorized",
    status_pb2.DISCONNECT_REASON_NOT_FOUND: "not_found",
    status_pb2.DISCONNECT_REASON_CODEC_MISMATCH: "codec_mismatch",
    status_pb2.DISCONNECT_REASON_DECODE_ERROR: "decode_error",
    status_pb2.DISCONNECT_REASON_STREAM_ENDED: "stream_ended",
    status_pb2.DISCONNECT_REASON_LEASE_RELEASED: conn_domain.LEASE_RELEASED,
    status_pb2.DISCONNECT_REASON_OTHER: "other",
}
_MASKABLE = frozenset(service_pb2.CameraFields.DESCRIPTOR.fields_by_name)
REGISTRY_ACTOR = actor_pb2.Actor(id=SERVICE, display_name="tncam registry", role=Role.ROLE_SERVICE)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class ReferenceData:
    """Communes, units and sectors, cached (they change only with the shipped file)."""

    communes: list[rep.CommuneRef] = field(default_factory=list)
    commune_kinds: dict[str, str] = field(default_factory=dict)
    units: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)
    sectors: frozenset[str] = frozenset()

    def importing(self) -> imp.Reference:
        return imp.Reference(frozenset(self.commune_kinds), frozenset(self.units), self.sectors)


def read_communes_file() -> list[tuple[str, str, str]]:
    """(code, name, kind) of every commune/ward in the file shipped with the package."""
    text = resources.files("tncam_registry").joinpath("data/communes.csv").read_text("utf-8")
    return [(r["code"], r["name"], r["kind"]) for r in csv.DictReader(text.splitlines())]


@dataclass
class Registry:
    """The registry's operations (the RPC handlers and consumers call these)."""

    sessions: async_sessionmaker[AsyncSession]
    box: CredentialBox
    calendar: WorkingCalendar
    outbox: Outbox
    relay: OutboxRelay | None
    metrics: m.RegistryMetrics
    policy: conn_domain.FlapPolicy = field(default_factory=conn_domain.FlapPolicy)
    fault_after: dt.timedelta = dt.timedelta(minutes=5)
    handover_grace: dt.timedelta = dt.timedelta(seconds=30)
    clock: Callable[[], dt.datetime] = utcnow
    ref: ReferenceData = field(default_factory=ReferenceData)

    # ------------------------------------------------------------------ reference data

    async def seed(self) -> None:
        """Upsert communes, sectors and units from the shipped data (idempotent)."""
        rows = read_communes_file()
        async with unit_of_work(self.sessions) as s:
            for position, (code, name, kind) in enumerate(rows, start=1):
                stmt = pg_insert(communes).values(
                    code=code, name=name, kind=kind, position=position
                )
                await s.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["code"],
                        set_={"name": name, "kind": kind, "position": position},
                        where=sa.or_(
                            communes.c.name != name,
                            communes.c.kind != kind,
                            communes.c.position != position,
                        ),
                    )
                )
            for code, name in SECTORS:
                stmt = pg_insert(sectors).values(code=code, name=name)
                await s.execute(
                    stmt.on_conflict_do_update(index_elements=["code"], set_={"name": name})
                )
            unit_rows: list[dict[str, Any]] = [
                {
                    "id": commune_unit_id(code),
                    "name": f"UBND {name}",
                    "kind": UnitKind.COMMUNE.value,
                    "commune_code": code,
                    "sector_code": None,
                }
                for code, name, _ in rows
            ]
            unit_rows += [
                {
                    "id": uid,
                    "name": name,
                    "kind": kind.value,
                    "commune_code": None,
                    "sector_code": sector,
                }
                for uid, name, kind, sector in PROVINCE_UNITS
            ]
            for u in unit_rows:
                stmt = pg_insert(units).values(**u)
                await s.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["id"], set_={"name": u["name"], "kind": u["kind"]}
                    )
                )
        await self.load_reference()

    async def load_reference(self) -> None:
        async with self.sessions() as s:
            commune_rows, unit_rows, sector_codes = await q.reference(s)
        self.ref = ReferenceData(
            communes=[rep.CommuneRef(r.code, r.name) for r in commune_rows],
            commune_kinds={r.code: r.kind for r in commune_rows},
            units={r.id: (r.kind, r.commune_code, r.sector_code) for r in unit_rows},
            sectors=frozenset(sector_codes),
        )

    # ----------------------------------------------------------------------- helpers

    def today(self) -> dt.date:
        return local_date(self.clock())

    def _check_actor(self, actor: actor_pb2.Actor, op: str) -> None:
        if not actor.id or actor.role in (Role.ROLE_UNSPECIFIED, Role.ROLE_ANONYMOUS):
            raise ForbiddenError(
                f"registry.{op}.no_actor", f"{op}: the request must name an identified actor"
            )

    def _can_write(self, actor: actor_pb2.Actor, owner_unit_id: str, op: str) -> None:
        self._check_actor(actor, op)
        if actor.role in _WRITERS:
            return
        if actor.role == Role.ROLE_UNIT_OPERATOR and actor.unit_id == owner_unit_id:
            return
        raise ForbiddenError(
            f"registry.{op}.forbidden", f"{op}: actor {actor.id} may not change this camera"
        )

    def _scope(self, actor: actor_pb2.Actor, op: str) -> list[sa.ColumnElement[bool]]:
        """Row filters limiting reads to the actor's unit or sector."""
        self._check_actor(actor, op)
        if actor.role in _PROVINCE_READERS:
            return []
        if actor.role in (Role.ROLE_UNIT_OPERATOR, Role.ROLE_UNIT_VIEWER) and actor.unit_id:
            return [cameras.c.owner_unit_id == actor.unit_id]
        if actor.role == Role.ROLE_SECTOR_OPERATOR:
            unit = self.ref.units.get(actor.unit_id)
            if unit is not None and unit[2]:
                return [cameras.c.sectors.contains([unit[2]])]
        raise ForbiddenError(f"registry.{op}.forbidden", f"{op}: actor {actor.id} has no scope")

    async def _audit(
        self,
        s: AsyncSession,
        *,
        actor: actor_pb2.Actor,
        action: str,
        cameras_: Sequence[str] = (),
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        request_id: str = "",
        categories: Sequence[audit_pb.DataCategory] = (audit_pb.DATA_CATEGORY_CONFIGURATION,),
        purpose: audit_pb.PurposeCode = audit_pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
        other: tuple[str, str] | None = None,
    ) -> None:
        event = new_event(
            action=action,
            actor=actor,
            source_service=SERVICE,
            cameras=cameras_,
            data_categories=categories,
            purpose_code=purpose,
            before=before,
            after=after,
            request_id=request_id,
            now=self.clock(),
        )
        if other is not None:
            event.target.other.kind, event.target.other.id = other
        await self.outbox.audit(s, event)

    async def _flush(self) -> None:
        """Publish what the transaction just committed (best effort: the relay retries)."""
        if self.relay is None:
            return
        try:
            await self.relay.flush()
        except Exception as e:  # the background relay will retry; the change is committed
            log.warning("outbox flush after commit failed: %s", e)
            self.relay.wake()

    # ----------------------------------------------------------------------- cameras

    def _record_from_fields(
        self, camera_id: str, f: service_pb2.CameraFields, *, site_kind: str
    ) -> dict[str, str]:
        return {
            "code": camera_id,
            "name": f.name,
            "commune_code": f.commune_code,
            "site_kind": site_kind,
            "rtsp_url": f.rtsp_url,
            "owner_unit": f.owner_unit_id,
            "sector": ";".join(f.sectors),
            "onvif_url": f.onvif_url,
            "vendor": f.vendor,
            "model": f.model,
            "codec": f.declared_codec,
            "qcvn135_cert": f.qcvn135_cert,
            "installed_on": f.installed_on,
            "rtsp_sub_url": f.rtsp_sub_url,
            "firmware": f.firmware,
            "resolution": f.resolution,
            "qcvn135_valid_until": f.qcvn135_valid_until,
            "onvif_version": f.onvif_version,
            "retention_days": str(f.retention_days) if f.retention_days else "",
            "latitude": str(f.latitude) if f.latitude else "",
            "longitude": str(f.longitude) if f.longitude else "",
            "location": f.location,
        }

    def _validate_record(self, record: dict[str, str], op: str) -> imp.CameraRow:
        header = list(record)
        table = [(1, header), (2, [record[h] for h in header])]
        result = imp.validate(table, self.ref.importing())
        if result.errors:
            raise InvalidInputError(
                f"registry.{op}.invalid",
                "; ".join(f"{e.column}: {e.message}" for e in result.errors),
                details={"errors": [e.__dict__ for e in result.errors]},
            )
        return result.rows[0]

    def _values(self, row: imp.CameraRow, site_id: str, owner: str) -> dict[str, Any]:
        return {
            "name": row.name,
            "site_id": site_id,
            "owner_unit_id": owner,
            "sectors": list(row.sectors),
            "rtsp_url": row.rtsp_url,
            "rtsp_sub_url": row.rtsp_sub_url,
            "onvif_url": row.onvif_url,
            "vendor": row.vendor,
            "model": row.model,
            "firmware": row.firmware,
            "declared_codec": row.codec,
            "resolution": row.resolution,
            "qcvn135_cert": row.qcvn135_cert,
            "qcvn135_valid_until": row.qcvn135_valid_until,
            "onvif_version": row.onvif_version,
            "installed_on": row.installed_on,
            "retention_days": row.retention_days,
            "latitude": row.latitude,
            "longitude": row.longitude,
            "location": row.location,
        }

    async def _site_for(self, s: AsyncSession, row: imp.CameraRow, site_id: str = "") -> str:
        if site_id:
            site = await q.site_row(s, site_id)
            if site is None:
                raise NotFoundError("registry.camera.site_not_found", f"no site {site_id}")
            return site_id
        sid = default_site_id(row.commune_code, row.site_kind)
        commune = next((c for c in self.ref.communes if c.code == row.commune_code), None)
        await q.ensure_site(
            s,
            sid,
            {
                "name": f"{row.site_kind.label_vi} {commune.name if commune else row.commune_code}",
                "kind": row.site_kind.value,
                "commune_code": row.commune_code,
                "unit_id": commune_unit_id(row.commune_code),
                "notice_required": row.site_kind.notice_required,
            },
        )
        return sid

    async def _write_camera(
        self,
        s: AsyncSession,
        *,
        actor: actor_pb2.Actor,
        camera_id: str,
        values: dict[str, Any],
        creds: Credentials | None,
        set_credentials: bool,
        existing: Any,
        request_id: str,
        activate: bool = False,
    ) -> str:
        """Insert or update one camera with its outbox rows; returns created/updated/unchanged."""
        now = self.clock()
        sealed: bytes | None = None
        if set_credentials and creds is not None and (creds.username or creds.password):
            sealed = self.box.seal(camera_id, creds)
        if existing is None:
            row = {
                **values,
                "id": camera_id,
                "active": True,
                "revision": 1,
                "created_at": now,
                "updated_at": now,
                "credentials_sealed": sealed,
                "credentials_revision": 1 if sealed else 0,
            }
            await s.execute(sa.insert(cameras).values(**row))
            await s.execute(
                sa.insert(camera_connection).values(
                    camera_id=camera_id,
                    state=CameraState.NEVER.value,
                    connected=False,
                    ever_connected=False,
                    last_stream_seq=0,
                    last_reason="",
                    last_detail="",
                    measured_codec="",
                    measured_width=0,
                    measured_height=0,
                    measured_fps=0.0,
                    measured_bitrate_bps=0,
                )
            )
            action = "camera.config.created"
            before = None
        else:
            changed = {k: v for k, v in values.items() if existing[k] != v}
            creds_changed = set_credentials and (
                sealed is not None or existing["credentials_sealed"] is not None
            )
            reactivate = activate and not existing["active"]
            if not changed and not creds_changed and not reactivate:
                return "unchanged"
            update: dict[str, Any] = {
                **changed,
                "revision": existing["revision"] + 1,
                "updated_at": now,
            }
            if creds_changed:
                update["credentials_sealed"] = sealed
                update["credentials_revision"] = existing["credentials_revision"] + 1
            if reactivate:
                update["active"] = True
                update["deactivated_at"] = None
            await s.execute(sa.update(cameras).where(cameras.c.id == camera_id).values(**update))
            action = "camera.config.updated"
            before = audit_image(existing)
        after_row = await q.lock_camera(s, camera_id)
        assert after_row is not None
        commune_code = await s.scalar(
            sa.select(sites.c.commune_code).where(sites.c.id == after_row["site_id"])
        )
        await self._publish_config(s, after_row, str(commune_code), now)
        await self._audit(
            s,
            actor=actor,
            action=action,
            cameras_=[camera_id],
            before=before,
            after=audit_image(after_row),
            request_id=request_id,
            categories=(
                (audit_pb.DATA_CATEGORY_CONFIGURATION, audit_pb.DATA_CATEGORY_CREDENTIAL)
                if sealed is not None or (existing is not None and set_credentials)
                else (audit_pb.DATA_CATEGORY_CONFIGURATION,)
            ),
        )
        return "created" if existing is None else "updated"

    async def _publish_config(
        self, s: AsyncSession, row: Any, commune_code: str, now: dt.datetime
    ) -> None:
        camera_id, revision = row["id"], row["revision"]
        event = camera_config_pb2.CameraConfigChanged(camera_id=camera_id, revision=revision)
        event.changed_at.FromDatetime(now)
        if row["active"]:
            config = ingest_config(row, commune_code)
            event.change = camera_config_pb2.CONFIG_CHANGE_UPSERTED
            event.config.CopyFrom(config)
            await self.outbox.kv_put(s, camera_id, config, f"kv:{camera_id}:{revision}")
        else:
            event.change = camera_config_pb2.CONFIG_CHANGE_REMOVED
            await self.outbox.kv_delete(s, camera_id, f"kv:{camera_id}:{revision}")
        await self.outbox.event(
            s, CAMERA_CONFIG_CHANGED, camera_id, event, f"config:{camera_id}:{revision}"
        )

    async def _view(self, s: AsyncSession, camera_id: str) -> service_pb2.Camera:
        row = await q.camera_view(s, camera_id)
        if row is None:
            raise NotFoundError("registry.camera.not_found", f"no camera {camera_id}")
        return camera_to_pb(row, self.today())

    @staticmethod
    def _creds(
        msg: service_pb2.CameraCredentials | None, row: imp.CameraRow
    ) -> tuple[Credentials | None, bool]:
        if msg is not None and (msg.username or msg.password):
            return Credentials(msg.username, msg.password), True
        if row.username is not None or row.password is not None:
            return Credentials(row.username or "", row.password or ""), True
        return None, False

    async def create_camera(self, req: service_pb2.CreateCameraRequest) -> service_pb2.Camera:
        op = "create_camera"
        self._check_actor(req.actor, op)
        if not CAMERA_ID_RE.match(req.id):
            raise InvalidInputError(
                f"registry.{op}.invalid_id",
                "camera id must be 1-64 letters, digits, '-' and '_'",
            )
        row = self._validate_record(
            self._record_from_fields(req.id, req.fields, site_kind=req.fields.site_kind), op
        )
        owner = row.owner_unit or commune_unit_id(row.commune_code)
        self._can_write(req.actor, owner, op)
        creds, set_creds = self._creds(
            req.credentials if req.HasField("credentials") else None, row
        )
        async with unit_of_work(self.sessions) as s:
            if await q.lock_camera(s, req.id) is not None:
                raise ConflictError(f"registry.{op}.exists", f"camera {req.id} already exists")
            site_id = await self._site_for(s, row, req.fields.site_id)
            values = self._values(row, site_id, owner)
            await self._write_camera(
                s,
                actor=req.actor,
                camera_id=req.id,
                values=values,
                creds=creds,
                set_credentials=set_creds,
                existing=None,
                request_id=req.request_id,
            )
        await self._flush()
        async with self.sessions() as s:
            return await self._view(s, req.id)

    def _record_from_row(self, existing: Any, view: Any) -> dict[str, str]:
        def text(v: Any) -> str:
            if v is None:
                return ""
            if isinstance(v, dt.date):
                return v.isoformat()
            return str(v)

        return {
            "code": existing["id"],
            "name": existing["name"],
            "commune_code": view["commune_code"],
            "site_kind": view["site_kind"],
            "rtsp_url": existing["rtsp_url"],
            "owner_unit": existing["owner_unit_id"],
            "sector": ";".join(existing["sectors"]),
            "onvif_url": existing["onvif_url"],
            "vendor": existing["vendor"],
            "model": existing["model"],
            "codec": existing["declared_codec"],
            "qcvn135_cert": existing["qcvn135_cert"],
            "installed_on": text(existing["installed_on"]),
            "rtsp_sub_url": existing["rtsp_sub_url"],
            "firmware": existing["firmware"],
            "resolution": existing["resolution"],
            "qcvn135_valid_until": text(existing["qcvn135_valid_until"]),
            "onvif_version": existing["onvif_version"],
            "retention_days": str(existing["retention_days"]),
            "latitude": text(existing["latitude"]),
            "longitude": text(existing["longitude"]),
            "location": existing["location"],
        }

    _FIELD_TO_COLUMN: ClassVar[dict[str, str]] = {
        "owner_unit_id": "owner_unit",
        "sectors": "sector",
        "declared_codec": "codec",
    }

    async def update_camera(self, req: service_pb2.UpdateCameraRequest) -> service_pb2.Camera:
        op = "update_camera"
        self._check_actor(req.actor, op)
        unknown = [f for f in req.update_mask if f not in _MASKABLE]
        if unknown:
            raise InvalidInputError(
                f"registry.{op}.invalid_mask", f"unknown fields in update_mask: {unknown}"
            )
        async with unit_of_work(self.sessions) as s:
            existing = await q.lock_camera(s, req.id)
            view = await q.camera_view(s, req.id)
            if existing is None or view is None:
                raise NotFoundError(f"registry.{op}.not_found", f"no camera {req.id}")
            self._can_write(req.actor, existing["owner_unit_id"], op)
            if req.expected_revision and req.expected_revision != existing["revision"]:
                raise ConflictError(
                    f"registry.{op}.stale_revision",
                    f"camera {req.id} is at revision {existing['revision']}, "
                    f"not {req.expected_revision}",
                )
            record = self._record_from_row(existing, view)
            new_fields = self._record_from_fields(
                req.id, req.fields, site_kind=req.fields.site_kind
            )
            for name in req.update_mask:
                column = self._FIELD_TO_COLUMN.get(name, name)
                if column in new_fields:
                    record[column] = new_fields[column]
            row = self._validate_record(record, op)
            owner = row.owner_unit or commune_unit_id(row.commune_code)
            if owner != existing["owner_unit_id"]:
                self._can_write(req.actor, owner, op)
            site_id = req.fields.site_id if "site_id" in req.update_mask else ""
            if not site_id and (
                row.commune_code != view["commune_code"] or row.site_kind.value != view["site_kind"]
            ):
                site_id = await self._site_for(s, row)
            site_id = site_id or existing["site_id"]
            if site_id != existing["site_id"]:
                await self._site_for(s, row, site_id)
            creds: Credentials | None = None
            set_creds = False
            if req.set_credentials:
                creds, set_creds = (
                    Credentials(req.credentials.username, req.credentials.password),
                    True,
                )
            elif "rtsp_url" in req.update_mask and (row.username or row.password):
                creds, set_creds = Credentials(row.username or "", row.password or ""), True
            values = self._values(row, site_id, owner)
            await self._write_camera(
                s,
                actor=req.actor,
                camera_id=req.id,
                values=values,
                creds=creds,
                set_credentials=set_creds,
                existing=existing,
                request_id=req.request_id,
            )
            if req.changed_on:
                try:
                    changed_on = imp.parse_date(req.changed_on)
                except ValueError as e:
                    raise InvalidInputError(
                        f"registry.{op}.invalid_date", "changed_on must be YYYY-MM-DD"
                    ) from e
                due = dl.registry_update_due(changed_on, self.calendar)
                if self.today() > due:
                    log.info(
                        "registry update recorded late",
                        extra={"camera_id": req.id, "due_on": due.isoformat()},
                    )
        await self._flush()
        async with self.sessions() as s:
            return await self._view(s, req.id)

    async def deactivate_camera(
        self, req: service_pb2.DeactivateCameraRequest
    ) -> service_pb2.Camera:
        op = "deactivate_camera"
        self._check_actor(req.actor, op)
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            existing = await q.lock_camera(s, req.id)
            if existing is None:
                raise NotFoundError(f"registry.{op}.not_found", f"no camera {req.id}")
            self._can_write(req.actor, existing["owner_unit_id"], op)
            if existing["active"]:
                await s.execute(
                    sa.update(cameras)
                    .where(cameras.c.id == req.id)
                    .values(
                        active=False,
                        deactivated_at=now,
                        revision=existing["revision"] + 1,
                        updated_at=now,
                    )
                )
                after = await q.lock_camera(s, req.id)
                assert after is not None
                await self._publish_config(s, after, "", now)
                await self._close_ticket(s, req.id, now, "deactivated")
                await self._audit(
                    s,
                    actor=req.actor,
                    action="camera.config.deactivated",
                    cameras_=[req.id],
                    before=audit_image(existing),
                    after={**audit_image(after), "reason": req.reason},
                    request_id=req.request_id,
                )
        await self._flush()
        async with self.sessions() as s:
            return await self._view(s, req.id)

    async def get_camera(self, req: service_pb2.GetCameraRequest) -> service_pb2.Camera:
        scope = self._scope(req.actor, "get_camera")
        async with self.sessions() as s:
            row = (
                (await s.execute(q.CAMERA_VIEW.where(cameras.c.id == req.id, *scope)))
                .mappings()
                .first()
            )
        if row is None:
            raise NotFoundError("registry.get_camera.not_found", f"no camera {req.id}")
        return camera_to_pb(row, self.today())

    async def list_cameras(
        self, req: service_pb2.ListCamerasRequest
    ) -> service_pb2.ListCamerasReply:
        op = "list_cameras"
        cond = self._scope(req.actor, op) + q.filters(
            commune_codes=list(req.commune_codes),
            owner_unit_id=req.owner_unit_id,
            sector=req.sector,
            site_kinds=list(req.site_kinds),
            states=[PB_TO_STATE[s].value for s in req.states if s in PB_TO_STATE],
            include_inactive=req.include_inactive,
            text=req.text,
        )
        size = req.page_size or 50
        if size > 500:
            raise InvalidInputError(f"registry.{op}.page_size", "page_size must be at most 500")
        after = ""
        if req.page_token:
            try:
                after = base64.urlsafe_b64decode(req.page_token.encode()).decode()
            except (ValueError, UnicodeDecodeError) as e:
                raise InvalidInputError(f"registry.{op}.page_token", "invalid page_token") from e
        page_cond = [*cond, cameras.c.id > after] if after else cond
        async with self.sessions() as s:
            rows = (
                (
                    await s.execute(
                        q.CAMERA_VIEW.where(*page_cond).order_by(cameras.c.id).limit(size + 1)
                    )
                )
                .mappings()
                .all()
            )
            total = await s.scalar(
                sa.select(sa.func.count()).select_from(q.CAMERA_VIEW.where(*cond).subquery())
            )
        today = self.today()
        reply = service_pb2.ListCamerasReply(
            cameras=[camera_to_pb(r, today) for r in rows[:size]], total_size=int(total or 0)
        )
        if len(rows) > size:
            reply.next_page_token = base64.urlsafe_b64encode(rows[size - 1]["id"].encode()).decode()
        return reply

    # ------------------------------------------------------------------------ import

    async def import_cameras(
        self, req: service_pb2.ImportCamerasRequest
    ) -> service_pb2.ImportCamerasReply:
        op = "import_cameras"
        self._check_actor(req.actor, op)
        fmt = {
            service_pb2.IMPORT_FORMAT_CSV: "csv",
            service_pb2.IMPORT_FORMAT_XLSX: "xlsx",
        }.get(req.format) or imp.guess_format(req.filename, req.content)
        reply = service_pb2.ImportCamerasReply()
        try:
            table = await asyncio.to_thread(imp.read_table, req.content, fmt)
        except imp.ImportFileError as e:
            reply.errors.add(row=0, code="unreadable", message=str(e))
            return reply
        result = imp.validate(table, self.ref.importing())
        reply.rows = result.total_rows
        errors = list(result.errors)
        current: dict[str, str] = {}
        if result.rows:
            async with self.sessions() as s:
                found = await s.execute(
                    sa.select(cameras.c.id, cameras.c.owner_unit_id).where(
                        cameras.c.id.in_([r.code for r in result.rows])
                    )
                )
                current = {r.id: r.owner_unit_id for r in found.all()}
        for row in result.rows:
            for owner in {
                row.owner_unit or commune_unit_id(row.commune_code),
                current.get(row.code, ""),
            } - {""}:
                try:
                    self._can_write(req.actor, owner, op)
                except ForbiddenError:
                    errors.append(
                        imp.RowError(
                            row.row,
                            "owner_unit",
                            "forbidden",
                            f"không có quyền nhập camera của đơn vị '{owner}'",
                        )
                    )
        if errors:
            reply.errors.extend(
                service_pb2.ImportError(row=e.row, column=e.column, code=e.code, message=e.message)
                for e in errors
            )
            return reply
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        async with unit_of_work(self.sessions) as s:
            for row in result.rows:
                existing = await q.lock_camera(s, row.code)
                owner = row.owner_unit or commune_unit_id(row.commune_code)
                site_id = await self._site_for(s, row)
                creds, set_creds = self._creds(None, row)
                outcome = await self._write_camera(
                    s,
                    actor=req.actor,
                    camera_id=row.code,
                    values={**self._values(row, site_id, owner)},
                    creds=creds,
                    set_credentials=set_creds,
                    existing=existing,
                    request_id=req.request_id,
                    activate=True,
                )
                counts[outcome] += 1
            await self._audit(
                s,
                actor=req.actor,
                action="camera.import.completed",
                after={
                    "filename": req.filename,
                    "rows": result.total_rows,
                    **counts,
                    "dry_run": req.dry_run,
                },
                request_id=req.request_id,
                other=("camera_import", req.filename or "upload"),
            )
            if req.dry_run:
                raise _DryRunError(counts)
        await self._flush()
        reply.accepted = True
        reply.created, reply.updated, reply.unchanged = (
            counts["created"],
            counts["updated"],
            counts["unchanged"],
        )
        return reply

    async def import_or_dry_run(
        self, req: service_pb2.ImportCamerasRequest
    ) -> service_pb2.ImportCamerasReply:
        """``import_cameras``; a dry run does all the work and rolls it back."""
        try:
            return await self.import_cameras(req)
        except _DryRunError as d:
            reply = service_pb2.ImportCamerasReply(accepted=True)
            reply.rows = sum(d.counts.values())
            reply.created, reply.updated, reply.unchanged = (
                d.counts["created"],
                d.counts["updated"],
                d.counts["unchanged"],
            )
            return reply

    # ------------------------------------------------------------------- credentials

    async def resolve_credentials(self, ref: str, worker_id: str) -> tuple[Credentials, int]:
        """The credentials behind a reference (ingest only); the disclosure is audited."""
        camera_id = camera_id_of_ref(ref)
        if camera_id is None:
            raise InvalidInputError(
                "registry.resolve_credentials.invalid_ref", "not a registry credentials reference"
            )
        async with unit_of_work(self.sessions) as s:
            row = (
                await s.execute(
                    sa.select(
                        cameras.c.active,
                        cameras.c.credentials_sealed,
                        cameras.c.credentials_revision,
                    ).where(cameras.c.id == camera_id)
                )
            ).first()
            if row is None or not row.active or row.credentials_sealed is None:
                raise NotFoundError(
                    "registry.resolve_credentials.not_found",
                    f"no credentials for camera {camera_id}",
                )
            creds = self.box.open(camera_id, bytes(row.credentials_sealed))
            actor = actor_pb2.Actor(
                id=worker_id or "ingest",
                display_name=f"ingest {worker_id}".strip(),
                role=Role.ROLE_SERVICE,
            )
            await self._audit(
                s,
                actor=actor,
                action="camera.credentials.resolved",
                cameras_=[camera_id],
                categories=(audit_pb.DATA_CATEGORY_CREDENTIAL,),
                purpose=audit_pb.PURPOSE_CODE_TECHNICAL_MAINTENANCE,
            )
        await self._flush()
        return creds, int(row.credentials_revision)

    # -------------------------------------------------------------- connection state

    async def apply_status(self, msg: status_pb2.CameraStatusChanged, stream_seq: int) -> str:
        """Apply one status event; returns what happened (for metrics)."""
        if msg.state == status_pb2.CONNECTION_STATE_UNSPECIFIED:
            raise InvalidInputError("registry.status.invalid", "status event without a state")
        up = msg.state == status_pb2.CONNECTION_STATE_CONNECTED
        at = msg.observed_at.ToDatetime(dt.UTC) if msg.HasField("observed_at") else self.clock()
        obs = conn_domain.Observation(
            at=at,
            up=up,
            reason=_REASONS.get(msg.reason, "other") if not up else "none",
            detail=msg.detail[:500],
        )
        transitions: list[tuple[str, str]] = []
        async with unit_of_work(self.sessions) as s:
            locked = await q.lock_connection(s, msg.camera_id)
            if locked is None:
                return "unknown_camera"
            conn, last_seq = locked
            if stream_seq and stream_seq <= last_seq:
                return "duplicate"
            if conn.last_observed_at is not None and obs.at < conn.last_observed_at:
                await q.save_connection(s, msg.camera_id, conn, seq=stream_seq or None)
                return "stale"
            edges, before = await q.window_edges(s, msg.camera_id, obs.at - self.policy.window)
            window = conn_domain.WindowFn(edges, obs.at, up_before=before, policy=self.policy)
            step = conn_domain.apply(conn, obs, window, self.policy)
            await self._commit_step(s, msg.camera_id, step, seq=stream_seq or None)
            if step.transition is not None:
                transitions.append((step.transition.previous.value, step.transition.state.value))
        for prev, new in transitions:
            self.metrics.transitions.labels(previous=prev, state=new).inc()
        await self._flush()
        return "applied"

    async def _commit_step(
        self, s: AsyncSession, camera_id: str, step: conn_domain.Step, *, seq: int | None
    ) -> None:
        await q.save_connection(s, camera_id, step.connection, seq=seq)
        if step.edge is not None:
            await q.insert_edge(s, camera_id, step.edge)
            if step.edge.up:
                await self._close_ticket(s, camera_id, step.edge.at, "reconnected")
        t = step.transition
        if t is None:
            return
        transition_id = await s.scalar(
            sa.insert(state_transitions)
            .values(
                camera_id=camera_id,
                at=t.at,
                previous_state=t.previous.value,
                state=t.state.value,
                reason=t.reason,
                detail=t.detail[:500],
            )
            .returning(state_transitions.c.id)
        )
        place = (
            await s.execute(
                sa.select(sites.c.commune_code, sites.c.kind, cameras.c.owner_unit_id)
                .select_from(cameras.join(sites, sites.c.id == cameras.c.site_id))
                .where(cameras.c.id == camera_id)
            )
        ).one()
        event = camera_state_pb2.CameraStateChanged(
            camera_id=camera_id,
            previous_state=STATE_TO_PB[t.previous],
            state=STATE_TO_PB[t.state],
            reason=t.reason,
            detail=t.detail,
            transition_id=int(transition_id or 0),
            commune_code=place.commune_code,
            site_kind=place.kind,
            owner_unit_id=place.owner_unit_id,
        )
        event.changed_at.FromDatetime(t.at)
        await self.outbox.event(
            s, CAMERA_STATE_CHANGED, camera_id, event, f"state:{camera_id}:{transition_id}"
        )
        log.info(
            "camera state %s -> %s (%s)",
            t.previous.value,
            t.state.value,
            t.reason,
            extra={"camera_id": camera_id},
        )

    async def apply_stats(self, msg: stats_pb2.StreamStats) -> str:
        """Record the latest measured stream properties; notice undeclared device changes."""
        at = msg.window_end.ToDatetime(dt.UTC) if msg.HasField("window_end") else self.clock()
        async with unit_of_work(self.sessions) as s:
            row = (
                await s.execute(
                    sa.select(
                        cameras.c.declared_codec,
                        cameras.c.resolution,
                        camera_connection.c.mismatch_since,
                        camera_connection.c.measured_at,
                    )
                    .select_from(
                        cameras.join(
                            camera_connection, camera_connection.c.camera_id == cameras.c.id
                        )
                    )
                    .where(cameras.c.id == msg.camera_id)
                    .with_for_update(of=camera_connection)
                )
            ).first()
            if row is None:
                return "unknown_camera"
            if row.measured_at is not None and at < row.measured_at:
                return "stale"
            measured_res = f"{msg.width}x{msg.height}" if msg.width else ""
            codec = msg.codec.lower()
            mismatch = bool(codec and codec != row.declared_codec) or bool(
                row.resolution and measured_res and measured_res != row.resolution
            )
            await s.execute(
                sa.update(camera_connection)
                .where(camera_connection.c.camera_id == msg.camera_id)
                .values(
                    measured_codec=codec,
                    measured_width=msg.width,
                    measured_height=msg.height,
                    measured_fps=msg.fps,
                    measured_bitrate_bps=msg.bitrate_bps,
                    measured_at=at,
                    mismatch_since=(row.mismatch_since or at) if mismatch else None,
                )
            )
        return "applied"

    # ---------------------------------------------------------------- fault tickets

    async def _close_ticket(
        self, s: AsyncSession, camera_id: str, at: dt.datetime, reason: str
    ) -> None:
        ticket_id = await s.scalar(
            sa.update(fault_tickets)
            .where(fault_tickets.c.camera_id == camera_id, fault_tickets.c.closed_at.is_(None))
            .values(closed_at=at, close_reason=reason)
            .returning(fault_tickets.c.id)
        )
        if ticket_id is not None:
            await self._audit(
                s,
                actor=REGISTRY_ACTOR,
                action="camera.fault_ticket.closed",
                cameras_=[camera_id],
                after={"ticket_id": str(ticket_id), "reason": reason},
                other=None,
                purpose=audit_pb.PURPOSE_CODE_TECHNICAL_MAINTENANCE,
            )

    async def sweep(self) -> dict[str, int]:
        """Time-based work: expired handovers, unstable ageing out, fault tickets."""
        now = self.clock()
        done = {"ticked": 0, "tickets_opened": 0}
        async with self.sessions() as s:
            ids = list(
                (
                    await s.scalars(
                        sa.select(camera_connection.c.camera_id).where(
                            sa.or_(
                                camera_connection.c.handover_since.is_not(None),
                                camera_connection.c.state == CameraState.UNSTABLE.value,
                            )
                        )
                    )
                ).all()
            )
        for camera_id in ids:
            transitions = []
            async with unit_of_work(self.sessions) as s:
                locked = await q.lock_connection(s, camera_id)
                if locked is None:
                    continue
                conn, _ = locked
                edges, before = await q.window_edges(s, camera_id, now - self.policy.window)
                window = conn_domain.measure(
                    edges, now - self.policy.window, now, up_at_start=before
                )
                step = conn_domain.tick(
                    conn, now, window, self.policy, handover_grace=self.handover_grace
                )
                if step.connection != conn:
                    await self._commit_step(s, camera_id, step, seq=None)
                    done["ticked"] += 1
                    if step.transition is not None:
                        transitions.append(step.transition)
            for t in transitions:
                self.metrics.transitions.labels(
                    previous=t.previous.value, state=t.state.value
                ).inc()
        cutoff = now - self.fault_after
        async with unit_of_work(self.sessions) as s:
            lost = (
                await s.execute(
                    sa.select(camera_connection.c.camera_id, camera_connection.c.lost_since)
                    .select_from(
                        camera_connection.join(
                            cameras, cameras.c.id == camera_connection.c.camera_id
                        )
                    )
                    .where(
                        cameras.c.active.is_(True),
                        camera_connection.c.state == CameraState.LOST.value,
                        camera_connection.c.lost_since < cutoff,
                        ~sa.exists().where(
                            fault_tickets.c.camera_id == camera_connection.c.camera_id,
                            fault_tickets.c.closed_at.is_(None),
                        ),
                    )
                    .limit(1000)
                )
            ).all()
            for camera_id, lost_since in lost:
                ticket_id = str(uuid.uuid4())
                due = dl.fault_fix_due(local_date(lost_since), self.calendar)
                await s.execute(
                    sa.insert(fault_tickets).values(
                        id=ticket_id,
                        camera_id=camera_id,
                        detected_at=lost_since,
                        opened_at=now,
                        due_on=due,
                        close_reason="",
                    )
                )
                await self._audit(
                    s,
                    actor=REGISTRY_ACTOR,
                    action="camera.fault_ticket.opened",
                    cameras_=[camera_id],
                    after={
                        "ticket_id": ticket_id,
                        "detected_at": lost_since.isoformat(),
                        "due_on": due.isoformat(),
                    },
                    purpose=audit_pb.PURPOSE_CODE_TECHNICAL_MAINTENANCE,
                )
                log.info("fault ticket opened, due %s", due, extra={"camera_id": camera_id})
                done["tickets_opened"] += 1
        if done["ticked"] or done["tickets_opened"]:
            await self._flush()
        return done

    # ------------------------------------------------------------------------ report

    async def report_data(self) -> rep.Report:
        async with self.sessions() as s:
            rows = (
                await s.execute(
                    sa.select(
                        cameras.c.id, sites.c.commune_code, sites.c.kind, camera_connection.c.state
                    )
                    .select_from(
                        cameras.join(sites, sites.c.id == cameras.c.site_id).join(
                            camera_connection, camera_connection.c.camera_id == cameras.c.id
                        )
                    )
                    .where(
                        cameras.c.active.is_(True),
                        sites.c.kind.in_([k.value for k, _, _ in rep.REPORT_KINDS]),
                    )
                )
            ).all()
        cams = [
            rep.ReportCamera(r.id, r.commune_code, SiteKind(r.kind), CameraState(r.state))
            for r in rows
        ]
        return rep.build_report(self.ref.communes, cams, self.clock())

    async def connection_report(
        self, req: service_pb2.GetConnectionReportRequest
    ) -> service_pb2.GetConnectionReportReply:
        self._scope(req.actor, "get_connection_report")
        if req.actor.role not in _PROVINCE_READERS:
            raise ForbiddenError(
                "registry.get_connection_report.forbidden",
                "the province-wide report is for province-level roles",
            )
        fmt = req.format or service_pb2.REPORT_FORMAT_JSON
        with self.metrics.report_seconds.labels(
            format=service_pb2.ReportFormat.Name(fmt).removeprefix("REPORT_FORMAT_").lower()
        ).time():
            report = await self.report_data()
            renderer, content_type, ext = {
                service_pb2.REPORT_FORMAT_JSON: (rep.render_json, "application/json", "json"),
                service_pb2.REPORT_FORMAT_CSV: (rep.render_csv, "text/csv; charset=utf-8", "csv"),
                service_pb2.REPORT_FORMAT_XLSX: (
                    rep.render_xlsx,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "xlsx",
                ),
                service_pb2.REPORT_FORMAT_HTML: (
                    rep.render_html,
                    "text/html; charset=utf-8",
                    "html",
                ),
            }[fmt]
            document = await asyncio.to_thread(renderer, report)
        reply = service_pb2.GetConnectionReportReply(
            report=report_to_pb(report),
            document=document,
            content_type=content_type,
            filename=f"bao-cao-ket-noi-camera-{report.generated_at.astimezone(VN_TZ):%Y-%m-%d}.{ext}",
        )
        return reply

    # --------------------------------------------------------------------- deadlines

    async def overdue(
        self, as_of: dt.date | None = None, kinds: Sequence[str] = ()
    ) -> list[dl.DueItem]:
        as_of = as_of or self.today()
        async with self.sessions() as s:
            rows = (
                await s.execute(
                    sa.select(
                        cameras.c.id,
                        cameras.c.owner_unit_id,
                        sites.c.commune_code,
                        cameras.c.installed_on,
                        cameras.c.last_maintained_on,
                        cameras.c.declared_codec,
                        cameras.c.resolution,
                        camera_connection.c.ever_connected,
                        camera_connection.c.mismatch_since,
                        camera_connection.c.measured_codec,
                        camera_connection.c.measured_width,
                        camera_connection.c.measured_height,
                    )
                    .select_from(
                        cameras.join(sites, sites.c.id == cameras.c.site_id).join(
                            camera_connection, camera_connection.c.camera_id == cameras.c.id
                        )
                    )
                    .where(cameras.c.active.is_(True))
                    .order_by(cameras.c.id)
                )
            ).all()
            tickets = (
                await s.execute(
                    sa.select(
                        fault_tickets.c.id, fault_tickets.c.camera_id, fault_tickets.c.due_on
                    ).where(fault_tickets.c.closed_at.is_(None))
                )
            ).all()
            registered = set(
                (
                    await s.scalars(
                        sa.select(connection_needs.c.unit_id).where(
                            connection_needs.c.year == as_of.year + 1
                        )
                    )
                ).all()
            )
        facts: dict[str, dl.CameraFacts] = {}
        items: list[dl.DueItem] = []
        for r in rows:
            detail = ""
            if r.mismatch_since is not None:
                detail = (
                    f"khai báo {r.declared_codec} {r.resolution}".strip()
                    + f", đo được {r.measured_codec} {r.measured_width}x{r.measured_height}"
                )
            f = dl.CameraFacts(
                r.id,
                r.owner_unit_id,
                r.commune_code,
                r.installed_on,
                r.ever_connected,
                r.last_maintained_on,
                local_date(r.mismatch_since) if r.mismatch_since is not None else None,
                detail,
            )
            facts[r.id] = f
            items += dl.camera_overdue(f, as_of, self.calendar)
        for t in tickets:
            f2 = facts.get(t.camera_id)
            if f2 is not None:
                item = dl.ticket_overdue(str(t.id), f2, t.due_on, as_of, self.calendar)
                if item is not None:
                    items.append(item)
        for unit_id, (kind, commune_code, _) in sorted(self.ref.units.items()):
            if kind in (UnitKind.COMMUNE.value, UnitKind.SERVICE_CENTER.value):
                item = dl.needs_overdue(unit_id, commune_code or "", unit_id in registered, as_of)
                if item is not None:
                    items.append(item)
        if kinds:
            items = [i for i in items if i.kind in kinds]
        return items

    async def record_maintenance(
        self, req: service_pb2.RecordMaintenanceRequest
    ) -> service_pb2.Camera:
        op = "record_maintenance"
        self._check_actor(req.actor, op)
        try:
            done_on = imp.parse_date(req.done_on) if req.done_on else self.today()
        except ValueError as e:
            raise InvalidInputError(f"registry.{op}.invalid_date", "done_on: YYYY-MM-DD") from e
        if done_on > self.today():
            raise InvalidInputError(f"registry.{op}.future_date", "done_on is in the future")
        async with unit_of_work(self.sessions) as s:
            existing = await q.lock_camera(s, req.camera_id)
            if existing is None:
                raise NotFoundError(f"registry.{op}.not_found", f"no camera {req.camera_id}")
            self._can_write(req.actor, existing["owner_unit_id"], op)
            await s.execute(
                sa.update(cameras)
                .where(cameras.c.id == req.camera_id)
                .values(last_maintained_on=done_on, updated_at=self.clock())
            )
            await self._audit(
                s,
                actor=req.actor,
                action="camera.maintenance.recorded",
                cameras_=[req.camera_id],
                before={"last_maintained_on": iso(existing["last_maintained_on"])},
                after={"last_maintained_on": done_on.isoformat()},
                request_id=req.request_id,
                purpose=audit_pb.PURPOSE_CODE_TECHNICAL_MAINTENANCE,
            )
        await self._flush()
        async with self.sessions() as s:
            return await self._view(s, req.camera_id)

    async def record_connection_needs(
        self, req: service_pb2.RecordConnectionNeedsRequest
    ) -> service_pb2.RecordConnectionNeedsReply:
        op = "record_connection_needs"
        self._can_write(req.actor, req.unit_id, op)
        if req.unit_id not in self.ref.units:
            raise NotFoundError(f"registry.{op}.unknown_unit", f"no unit {req.unit_id}")
        if req.year < 2000 or req.year > 2200:
            raise InvalidInputError(f"registry.{op}.invalid_year", "year out of range")
        now = self.clock()
        async with unit_of_work(self.sessions) as s:
            stmt = pg_insert(connection_needs).values(
                unit_id=req.unit_id,
                year=req.year,
                needs=req.needs,
                recorded_at=now,
                recorded_by=req.actor.id,
            )
            await s.execute(
                stmt.on_conflict_do_update(
                    index_elements=["unit_id", "year"],
                    set_={"needs": req.needs, "recorded_at": now, "recorded_by": req.actor.id},
                )
            )
            await self._audit(
                s,
                actor=req.actor,
                action="unit.connection_needs.recorded",
                after={"unit_id": req.unit_id, "year": req.year, "needs": req.needs},
                request_id=req.request_id,
                other=("unit", req.unit_id),
            )
        await self._flush()
        reply = service_pb2.RecordConnectionNeedsReply(
            unit_id=req.unit_id,
            year=req.year,
            on_time=local_date(now) <= dl.needs_due(req.year),
        )
        reply.recorded_at.FromDatetime(now)
        return reply

    # ----------------------------------------------------------------------- history

    async def history(
        self, req: service_pb2.GetCameraHistoryRequest
    ) -> service_pb2.GetCameraHistoryReply:
        op = "get_camera_history"
        await self.get_camera(service_pb2.GetCameraRequest(actor=req.actor, id=req.camera_id))
        days = req.days or 7
        if days > 90:
            raise InvalidInputError(f"registry.{op}.days", "days must be at most 90")
        now = self.clock()
        today = local_date(now)
        first_day = today - dt.timedelta(days=days - 1)
        start = dt.datetime.combine(first_day, dt.time(), VN_TZ)
        reply = service_pb2.GetCameraHistoryReply()
        async with self.sessions() as s:
            rows = (
                (
                    await s.execute(
                        sa.select(state_transitions)
                        .where(state_transitions.c.camera_id == req.camera_id)
                        .order_by(state_transitions.c.id.desc())
                        .limit(200)
                    )
                )
                .mappings()
                .all()
            )
            edges, before = await q.window_edges(s, req.camera_id, start)
            tickets = (
                (
                    await s.execute(
                        sa.select(fault_tickets)
                        .where(fault_tickets.c.camera_id == req.camera_id)
                        .order_by(fault_tickets.c.opened_at.desc())
                        .limit(50)
                    )
                )
                .mappings()
                .all()
            )
        for r in reversed(rows):
            t = reply.transitions.add(
                id=r["id"],
                previous_state=STATE_TO_PB[CameraState(r["previous_state"])],
                state=STATE_TO_PB[CameraState(r["state"])],
                reason=r["reason"],
                detail=r["detail"],
            )
            t.at.FromDatetime(r["at"])
        up: bool | None = before
        for i in range(days):
            day = first_day + dt.timedelta(days=i)
            d_start = dt.datetime.combine(day, dt.time(), VN_TZ)
            d_end = min(d_start + dt.timedelta(days=1), now)
            w = conn_domain.daily_uptime(edges, d_start, d_end, up_at_start=up)
            reply.uptime.add(
                day=day.isoformat(),
                uptime=w.uptime if w.observed_s else 0.0,
                observed_s=w.observed_s,
                disconnects=w.disconnects,
            )
            day_edges = [e for e in edges if d_start <= e.at < d_end]
            if day_edges:
                up = day_edges[-1].up
        for t2 in tickets:
            ft = reply.tickets.add(
                id=str(t2["id"]),
                camera_id=t2["camera_id"],
                due_on=t2["due_on"].isoformat(),
                close_reason=t2["close_reason"],
            )
            for name in ("detected_at", "opened_at", "closed_at"):
                value = ts(t2[name])
                if value is not None:
                    getattr(ft, name).CopyFrom(value)
        return reply

    # ------------------------------------------------------------------- metrics/KV

    async def refresh_gauges(self) -> None:
        """Cameras by state and commune kind, open tickets, overdue deadlines."""
        async with self.sessions() as s:
            rows = (
                await s.execute(
                    sa.select(camera_connection.c.state, communes.c.kind, sa.func.count())
                    .select_from(
                        cameras.join(
                            camera_connection, camera_connection.c.camera_id == cameras.c.id
                        )
                        .join(sites, sites.c.id == cameras.c.site_id)
                        .join(communes, communes.c.code == sites.c.commune_code)
                    )
                    .where(cameras.c.active.is_(True))
                    .group_by(camera_connection.c.state, communes.c.kind)
                )
            ).all()
            open_tickets = await s.scalar(
                sa.select(sa.func.count())
                .select_from(fault_tickets)
                .where(fault_tickets.c.closed_at.is_(None))
            )
            lost_long = await s.scalar(
                sa.select(sa.func.count())
                .select_from(
                    cameras.join(camera_connection, camera_connection.c.camera_id == cameras.c.id)
                )
                .where(
                    cameras.c.active.is_(True),
                    camera_connection.c.state == CameraState.LOST.value,
                    camera_connection.c.lost_since
                    < sa.func.now() - sa.text("interval '15 minutes'"),
                )
            )
            per_commune = (
                sa.select(
                    sites.c.commune_code,
                    sa.func.count().label("total"),
                    sa.func.count()
                    .filter(camera_connection.c.state == CameraState.LOST.value)
                    .label("lost"),
                )
                .select_from(
                    cameras.join(
                        camera_connection, camera_connection.c.camera_id == cameras.c.id
                    ).join(sites, sites.c.id == cameras.c.site_id)
                )
                .where(cameras.c.active.is_(True))
                .group_by(sites.c.commune_code)
                .subquery()
            )
            all_lost = await s.scalar(
                sa.select(sa.func.count())
                .select_from(per_commune)
                .where(per_commune.c.total > 0, per_commune.c.lost == per_commune.c.total)
            )
        self.metrics.lost_over_15m.set(int(lost_long or 0))
        self.metrics.communes_all_lost.set(int(all_lost or 0))
        counts = {(st.value, k): 0 for st in CameraState for k in ("xa", "phuong")}
        for state, kind, n in rows:
            counts[(state, kind)] = int(n)
        for (state, kind), n in counts.items():
            self.metrics.cameras.labels(state=state, commune_kind=kind).set(n)
        self.metrics.open_tickets.set(int(open_tickets or 0))
        items = await self.overdue()
        by_kind = dict.fromkeys(dl.KINDS, 0)
        for item in items:
            by_kind[item.kind] += 1
        for kind, n in by_kind.items():
            self.metrics.overdue.labels(kind=kind).set(n)

    async def active_configs(self) -> dict[str, camera_config_pb2.CameraIngestConfig]:
        """The KV value every active camera should have."""
        async with self.sessions() as s:
            rows = (
                (
                    await s.execute(
                        sa.select(cameras, sites.c.commune_code)
                        .select_from(cameras.join(sites, sites.c.id == cameras.c.site_id))
                        .where(cameras.c.active.is_(True))
                    )
                )
                .mappings()
                .all()
            )
        return {r["id"]: ingest_config(r, r["commune_code"]) for r in rows}


class _DryRunError(Exception):
    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__("dry run")
        self.counts = counts


def report_to_pb(report: rep.Report) -> service_pb2.ConnectionReport:
    """The report as a protobuf message."""

    def cell(c: rep.Cell) -> service_pb2.ReportCell:
        return service_pb2.ReportCell(
            text=c.text,
            cameras=c.cameras,
            connected=c.connected,
            lost=c.lost,
            never=c.never,
            unstable=c.unstable,
        )

    msg = service_pb2.ConnectionReport(
        totals=report.totals,
        completed=report.completed,
        not_completed=report.not_completed,
        unstable=report.unstable,
    )
    msg.generated_at.FromDatetime(report.generated_at.astimezone(dt.UTC))
    for r in report.rows:
        msg.rows.add(
            number=r.number,
            commune_code=r.commune.code,
            commune_name=r.commune.name,
            service_center=cell(r.cells[SiteKind.SERVICE_CENTER]),
            committee_hq=cell(r.cells[SiteKind.COMMITTEE_HQ]),
            square=cell(r.cells[SiteKind.SQUARE]),
            note=r.note,
        )
    return msg
