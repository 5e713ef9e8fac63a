"""Owning units with their contacts, and sites with their notice sign (R17): list, add, change.

Every change is audited in its transaction; the reference cache is reloaded after it.
"""

from __future__ import annotations

from tncam.registry.v1 import service_pb2 as rpb
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ConflictError, InvalidInputError, NotFoundError
from tncam_registry.db import units as db
from tncam_registry.domain import access
from tncam_registry.domain import units as rules
from tncam_registry.domain.import_rows import parse_date
from tncam_registry.domain.paging import next_token, offset_of, page_size
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.reference import load_reference


def _contacts(row: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in row.items() if k.startswith(("leader_", "it_"))}


async def create_unit(ctx: RegistryContext, req: rpb.CreateUnitRequest) -> rpb.Unit:
    """Add a department, service center or sector operation center (province admin)."""
    op = "create_unit"
    access.check_admin(req.actor, op)
    row = rules.new_unit_row(op, req.unit, known_units=ctx.ref.units, sectors=ctx.ref.sectors)
    now = ctx.clock()
    async with unit_of_work(ctx.sessions) as s:
        if await db.lock_unit(s, row["id"]) is not None:
            raise ConflictError(f"registry.{op}.exists", f"đơn vị {row['id']!r} đã tồn tại")
        await db.insert_unit(s, row, now)
        await ctx.audit(
            s,
            actor=req.actor,
            action="unit.created",
            after=row,
            request_id=req.request_id,
            other=("unit", row["id"]),
        )
        created = await db.lock_unit(s, row["id"])
    await ctx.flush()
    await load_reference(ctx)
    assert created is not None
    return rules.unit_to_pb(created)


async def update_unit(ctx: RegistryContext, req: rpb.UpdateUnitRequest) -> rpb.Unit:
    """Change a unit: the province admin anything but a seeded unit's name; the unit's own
    operators its contacts."""
    op = "update_unit"
    access.check_unit_edit(req.actor, req.id, set(req.update_mask), op)
    now = ctx.clock()
    async with unit_of_work(ctx.sessions) as s:
        before = await db.lock_unit(s, req.id)
        if before is None:
            raise NotFoundError(f"registry.{op}.unknown_unit", f"không có đơn vị {req.id!r}")
        if req.expected_revision and before["revision"] != req.expected_revision:
            raise ConflictError(f"registry.{op}.stale_revision", "đơn vị đã được sửa trước đó")
        values = rules.unit_changes(
            op, req.unit, list(req.update_mask), seeded=before["seeded"], sectors=ctx.ref.sectors
        )
        after = await db.update_unit(s, req.id, values, now)
        await ctx.audit(
            s,
            actor=req.actor,
            action="unit.updated",
            before={k: before[k] for k in values},
            after=values,
            request_id=req.request_id,
            other=("unit", req.id),
        )
    await ctx.flush()
    await load_reference(ctx)
    return rules.unit_to_pb(after)


async def list_units(ctx: RegistryContext, req: rpb.ListUnitsRequest) -> rpb.ListUnitsReply:
    """Every owning unit with its contacts, and the sectors (any identified actor)."""
    access.check_actor(req.actor, "list_units")
    async with ctx.sessions() as s:
        rows = await db.all_units(s)
    ref = ctx.ref
    return rpb.ListUnitsReply(
        units=[rules.unit_to_pb(r) for r in rows],
        sectors=[
            rpb.Sector(code=code, name=ref.sector_names.get(code, code))
            for code in sorted(ref.sectors)
        ],
    )


async def list_sites(ctx: RegistryContext, req: rpb.ListSitesRequest) -> rpb.ListSitesReply:
    """A page of the sites the actor may see (unit roles: their unit's; sectors: the sites of
    their sector's cameras)."""
    op = "list_sites"
    scope = access.read_scope(req.actor, op, ctx.ref.units)
    size, offset = page_size(op, req.page_size), offset_of(op, req.page_token)
    if scope.unit_id and req.unit_id and req.unit_id != scope.unit_id:
        return rpb.ListSitesReply()
    cond = db.site_filters(
        commune_code=req.commune_code,
        owner_unit_id=scope.unit_id or req.unit_id,
        sector=scope.sector,
        notice_missing=req.notice_missing,
    )
    async with ctx.sessions() as s:
        rows, total = await db.site_page(s, cond, offset=offset, size=size)
    return rpb.ListSitesReply(
        sites=[rules.site_to_pb(r, ctx.ref.commune_name(r["commune_code"])) for r in rows],
        next_page_token=next_token(offset, len(rows), total),
        total_size=total,
    )


def _checked_on(op: str, text: str) -> object:
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as e:
        raise InvalidInputError(
            f"registry.{op}.invalid_date", "notice_checked_on: YYYY-MM-DD"
        ) from e


async def create_site(ctx: RegistryContext, req: rpb.CreateSiteRequest) -> rpb.Site:
    """Add a site (the province admin, or the operator of the unit answerable for it)."""
    op = "create_site"
    access.check_actor(req.actor, op)
    row = rules.new_site_row(
        op,
        req.site,
        communes=frozenset(ctx.ref.commune_kinds),
        units=ctx.ref.units,
        checked_on=_checked_on(op, req.site.notice_checked_on),
    )
    access.check_write(req.actor, rules.site_owner(row["unit_id"], row["commune_code"]), op)
    async with unit_of_work(ctx.sessions) as s:
        if await db.site(s, row["id"]) is not None:
            raise ConflictError(f"registry.{op}.exists", f"địa điểm {row['id']!r} đã tồn tại")
        await db.insert_site(s, row, ctx.clock())
        await ctx.audit(
            s,
            actor=req.actor,
            action="site.created",
            after={k: str(v) if v is not None else None for k, v in row.items()},
            request_id=req.request_id,
            other=("site", row["id"]),
        )
        created = await db.site(s, row["id"])
    await ctx.flush()
    assert created is not None
    return rules.site_to_pb(created, ctx.ref.commune_name(created["commune_code"]))


async def update_site(ctx: RegistryContext, req: rpb.UpdateSiteRequest) -> rpb.Site:
    """Change a site's name, address, unit or notice sign (and the day it was checked)."""
    op = "update_site"
    access.check_actor(req.actor, op)
    mask = set(req.update_mask)
    if not mask or not mask <= rules.SITE_FIELDS:
        raise InvalidInputError(
            f"registry.{op}.update_mask", f"update_mask: chỉ {sorted(rules.SITE_FIELDS)}"
        )
    async with unit_of_work(ctx.sessions) as s:
        before = await db.site(s, req.id, lock=True)
        if before is None:
            raise NotFoundError(f"registry.{op}.not_found", f"không có địa điểm {req.id!r}")
        access.check_write(
            req.actor, rules.site_owner(before["unit_id"], before["commune_code"]), op
        )
        values = _site_values(ctx, op, req, mask, before["commune_code"])
        await db.update_site(s, req.id, values, ctx.clock())
        await ctx.audit(
            s,
            actor=req.actor,
            action="site.updated",
            before={k: _plain(before[k]) for k in values},
            after={k: _plain(v) for k, v in values.items()},
            request_id=req.request_id,
            other=("site", req.id),
        )
        after = await db.site(s, req.id)
    await ctx.flush()
    assert after is not None
    return rules.site_to_pb(after, ctx.ref.commune_name(after["commune_code"]))


def _plain(v: object) -> object:
    return v if v is None or isinstance(v, str | bool | int) else str(v)


def _site_values(
    ctx: RegistryContext, op: str, req: rpb.UpdateSiteRequest, mask: set[str], commune: str
) -> dict[str, object]:
    site = req.site
    values: dict[str, object] = {}
    if "name" in mask:
        values["name"] = rules.new_site_name(op, site.name)
    if "address" in mask:
        values["address"] = site.address.strip()[:1024]
    if "unit_id" in mask:
        unit_id = site.unit_id.strip() or None
        if unit_id is not None:
            rules.check_site_unit(op, unit_id, commune, ctx.ref.units)
        values["unit_id"] = unit_id
    if "notice_present" in mask:
        values["notice_present"] = site.notice_present
    if "notice_checked_on" in mask:
        checked = _checked_on(op, site.notice_checked_on)
        if checked is not None and checked > ctx.today():  # type: ignore[operator]
            raise InvalidInputError(f"registry.{op}.future_date", "ngày kiểm tra ở tương lai")
        values["notice_checked_on"] = checked
    return values
