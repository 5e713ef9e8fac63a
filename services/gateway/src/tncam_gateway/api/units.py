"""``/units``, ``/sites``, ``/needs``: owning units with their contacts (Art. 20.3, 21.1),
sites with their notice sign (R17), the annual connection needs (Art. 22), mapped onto the
registry (which re-checks the actor and audits every change)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Path, Query

from tncam.registry.v1 import service_pb2 as rpb
from tncam_gateway.api import ops_models as m
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, ClientDep, GatewayDep
from tncam_gateway.api.paging import PageSize, PageToken, next_token, offset_of
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.policy import Access

router = APIRouter(tags=["units"])
UNIT_ID = Path(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$", max_length=64)
SITE_ID = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$", max_length=64)
UnitFilter = Annotated[str, Query(max_length=128, description="Owning unit id")]
CommuneFilter = Annotated[str, Query(max_length=16)]


@router.get(
    "/units",
    response_model=m.UnitPage,
    summary="Danh sách đơn vị (kèm người liên hệ khi được phép xem)",
    responses=responses(401, 422, 503),
    **operation("listUnits", Access.UNIT_LIST),
)
async def list_units(
    gw: GatewayDep, caller: CallerDep, page_size: PageSize = 100, page_token: PageToken = ""
) -> m.UnitPage:
    """Every owning unit and its kind; the leader and IT focal point only for province_admin,
    the auditor and the unit's own people."""
    offset = offset_of(page_token)
    units = list((await gw.operations.units(caller)).units)
    page = units[offset : offset + page_size]
    return m.UnitPage(
        items=[m.unit_out(u) for u in page],
        next_page_token=next_token(offset, len(page), len(units)),
        total=len(units),
    )


@router.post(
    "/units",
    response_model=m.UnitOut,
    status_code=201,
    summary="Thêm đơn vị (sở, trung tâm điều hành, trung tâm phục vụ hành chính công)",
    responses=responses(401, 403, 409, 422, 503),
    **operation("createUnit", Access.UNIT_ADMIN),
)
async def create_unit(
    body: m.UnitCreate, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> m.UnitOut:
    """province_admin. Invalid contacts (e-mail, phone): 422
    ``registry.create_unit.invalid_email`` / ``invalid_phone``, nothing written."""
    unit = rpb.Unit(
        id=body.id,
        name=body.name,
        kind=body.kind,
        sector_code=body.sector_code,
        leader=body.leader.pb(),
        it_focal=body.it_focal.pb(),
    )
    return m.unit_out(await gw.operations.create_unit(caller, client, unit))


@router.patch(
    "/units/{unit_id}",
    response_model=m.UnitOut,
    summary="Sửa đơn vị và người liên hệ (lãnh đạo, đầu mối CNTT)",
    responses=responses(401, 403, 404, 409, 422, 503),
    **operation("updateUnit", Access.UNIT_EDIT),
)
async def update_unit(
    unit_id: Annotated[str, UNIT_ID],
    body: m.UnitUpdate,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> m.UnitOut:
    """province_admin; a unit's own operators change its contacts only. Unknown unit: 404
    ``registry.update_unit.unknown_unit``."""
    unit = rpb.Unit(id=unit_id)
    mask = []
    for name in ("name", "sector_code", "active"):
        value = getattr(body, name)
        if value is not None:
            setattr(unit, name, value)
            mask.append(name)
    for name in ("leader", "it_focal"):
        contact = getattr(body, name)
        if contact is not None:
            getattr(unit, name).CopyFrom(contact.pb())
            mask.append(name)
    request = rpb.UpdateUnitRequest(
        id=unit_id, unit=unit, update_mask=mask, expected_revision=body.expected_revision or 0
    )
    return m.unit_out(await gw.operations.update_unit(caller, client, request))


@router.get(
    "/sites",
    response_model=m.SitePage,
    summary="Danh sách địa điểm lắp camera và biển thông báo",
    responses=responses(401, 403, 422, 503),
    **operation("listSites", Access.SITE_LIST),
)
async def list_sites(
    gw: GatewayDep,
    caller: CallerDep,
    commune_code: CommuneFilter = "",
    unit_id: UnitFilter = "",
    notice_missing: Annotated[
        bool, Query(description="Only sites needing a sign with none, or never checked")
    ] = False,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> m.SitePage:
    """province_admin and the auditor: every site; a unit's people: their unit's."""
    offset_of(page_token)
    reply = await gw.operations.sites(
        caller,
        rpb.ListSitesRequest(
            commune_code=commune_code,
            unit_id=unit_id,
            notice_missing=notice_missing,
            page_size=page_size,
            page_token=page_token,
        ),
    )
    return m.SitePage(
        items=[m.site_out(s) for s in reply.sites],
        next_page_token=reply.next_page_token,
        total=reply.total_size,
    )


def _site_pb(body: m.SiteCreate | m.SiteUpdate) -> rpb.Site:
    site = rpb.Site()
    for name, value in body.model_dump(exclude_none=True).items():
        if name == "notice_checked_on":
            site.notice_checked_on = value.isoformat()
        elif name == "kind":
            site.kind = value.value if hasattr(value, "value") else value
        else:
            setattr(site, name, value)
    return site


@router.post(
    "/sites",
    response_model=m.SiteOut,
    status_code=201,
    summary="Thêm địa điểm lắp camera",
    responses=responses(401, 403, 409, 422, 503),
    **operation("createSite", Access.SITE_ADMIN),
)
async def create_site(
    body: m.SiteCreate, gw: GatewayDep, caller: CallerDep, client: ClientDep
) -> m.SiteOut:
    """province_admin, or the operator of the unit answerable for the site (the commune's
    People's Committee when ``unit_id`` is empty). A commune unit for a site of another
    commune: 422 ``registry.create_site.other_commune``; unknown unit: 422
    ``registry.create_site.unknown_unit``."""
    return m.site_out(await gw.operations.create_site(caller, client, _site_pb(body)))


@router.patch(
    "/sites/{site_id}",
    response_model=m.SiteOut,
    summary="Sửa địa điểm, biển thông báo và ngày kiểm tra",
    responses=responses(401, 403, 404, 422, 503),
    **operation("updateSite", Access.SITE_ADMIN),
)
async def update_site(
    site_id: Annotated[str, SITE_ID],
    body: m.SiteUpdate,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> m.SiteOut:
    """Only the fields given change (``notice_present`` and ``notice_checked_on`` record the
    sign's check)."""
    fields = sorted(body.model_dump(exclude_none=True))
    request = rpb.UpdateSiteRequest(id=site_id, site=_site_pb(body), update_mask=fields)
    return m.site_out(await gw.operations.update_site(caller, client, request))


@router.put(
    "/units/{unit_id}/needs/{year}",
    response_model=m.NeedsRecorded,
    summary="Đăng ký nhu cầu kết nối camera năm sau (trước 15/12)",
    responses=responses(401, 403, 404, 422, 503),
    **operation("registerNeeds", Access.NEEDS_REGISTER),
)
async def register_needs(
    unit_id: Annotated[str, UNIT_ID],
    year: Annotated[int, Path(ge=2000, le=2100)],
    body: m.NeedsIn,
    gw: GatewayDep,
    caller: CallerDep,
    client: ClientDep,
) -> m.NeedsRecorded:
    """The unit's own operators or province_admin; registering again replaces the year's
    needs. ``on_time``: recorded by 15 December of the year before."""
    request = rpb.RecordConnectionNeedsRequest(
        unit_id=unit_id,
        year=year,
        budget_note=body.budget_note,
        cameras=[
            rpb.NeededCamera(
                commune_code=c.commune_code,
                site_kind=c.site_kind.value,
                site_id=c.site_id,
                count=c.count,
                note=c.note,
            )
            for c in body.cameras
        ],
        sites=[
            rpb.NeededSite(
                name=s.name,
                commune_code=s.commune_code,
                site_kind=s.site_kind.value,
                address=s.address,
            )
            for s in body.sites
        ],
    )
    reply = await gw.operations.register_needs(caller, client, request)
    return m.NeedsRecorded(
        unit_id=reply.unit_id,
        year=reply.year,
        recorded_at=reply.recorded_at.ToDatetime(UTC),
        on_time=reply.on_time,
    )


@router.get(
    "/needs",
    response_model=m.NeedsPage,
    summary="Nhu cầu kết nối đã đăng ký của các đơn vị",
    responses=responses(401, 403, 422, 503),
    **operation("listNeeds", Access.NEEDS_LIST),
)
async def list_needs(
    gw: GatewayDep,
    caller: CallerDep,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Default: next year")] = None,
    unit_id: UnitFilter = "",
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> m.NeedsPage:
    """The central operator (and the auditor) every unit's, with the units still missing; a
    unit's people their own."""
    offset_of(page_token)
    reply = await gw.operations.needs(
        caller,
        rpb.ListConnectionNeedsRequest(
            year=year or 0, unit_id=unit_id, page_size=page_size, page_token=page_token
        ),
    )
    return m.NeedsPage(
        items=[m.needs_out(n) for n in reply.needs],
        next_page_token=reply.next_page_token,
        total=reply.total_size,
        missing_unit_ids=list(reply.missing_unit_ids),
    )
