"""Gap reports: recorded against expected time on one day (UTC+7), per camera and per commune,
from the recorder's segment index."""

from __future__ import annotations

from datetime import UTC, date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AfterValidator, BaseModel, Field

from tncam.recording.v1 import recording_api_pb2 as api
from tncam_gateway.api.contract import operation
from tncam_gateway.api.deps import CallerDep, GatewayDep
from tncam_gateway.api.instants import MAX_YEAR, MIN_YEAR, UtcDatetime
from tncam_gateway.api.paging import PageSize, PageToken
from tncam_gateway.api.problems import responses
from tncam_gateway.domain.policy import Access, Action

router = APIRouter(tags=["recordings"])


def _bounded(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year must be within {MIN_YEAR}-{MAX_YEAR}")
    return value


ReportDay = Annotated[
    date,
    AfterValidator(_bounded),
    Query(description="Ngày báo cáo (UTC+7), YYYY-MM-DD", examples=["2026-12-07"]),
]


class SpanOut(BaseModel):
    """A stretch of time."""

    start: UtcDatetime
    end: UtcDatetime


class CameraDayOut(BaseModel):
    """One camera's day: the time covered so far, what was recorded and what is missing."""

    camera_id: str
    date: date
    range: SpanOut = Field(description="The part of the day covered (a running day ends now)")
    expected_seconds: float
    recorded_seconds: float
    gap_seconds: float
    coverage: float = Field(description="recorded / expected, 0..1")
    gaps: list[SpanOut]


def day_out(c: api.CameraDayGaps) -> CameraDayOut:
    """The API view of one camera's day."""
    start, end = c.range.start.ToDatetime(UTC), c.range.end.ToDatetime(UTC)
    return CameraDayOut(
        camera_id=c.camera_id,
        date=date.fromisoformat(c.date),
        range=SpanOut(start=start, end=end),
        expected_seconds=(end - start).total_seconds(),
        recorded_seconds=c.recorded_seconds,
        gap_seconds=c.gap_seconds,
        coverage=c.coverage,
        gaps=[SpanOut(start=g.start.ToDatetime(UTC), end=g.end.ToDatetime(UTC)) for g in c.gaps],
    )


@router.get(
    "/cameras/{camera_id}/gaps",
    response_model=CameraDayOut,
    summary="Báo cáo khoảng trống ghi hình của một camera trong ngày",
    responses=responses(401, 404, 422, 503),
    **operation("getCameraGaps", Action.CAMERA_READ),
)
async def get_camera_gaps(
    camera_id: Annotated[str, Path(max_length=64)],
    date: ReportDay,
    gw: GatewayDep,
    caller: CallerDep,
) -> CameraDayOut:
    """Whoever may read the camera (404 otherwise, as for an unknown camera)."""
    return day_out(await gw.gaps.camera(caller, camera_id, date.isoformat()))


class CommuneGapsPage(BaseModel):
    """One page of a commune's cameras with their day, and the page's totals."""

    commune_code: str
    date: date
    items: list[CameraDayOut]
    next_page_token: str = Field(description="Empty on the last page")
    total: int = Field(description="Cameras of the commune")
    expected_seconds: float = Field(description="Sum over this page's cameras")
    recorded_seconds: float = Field(description="Sum over this page's cameras")


@router.get(
    "/communes/{commune_code}/gaps",
    response_model=CommuneGapsPage,
    summary="Báo cáo khoảng trống ghi hình theo xã/phường",
    responses=responses(401, 403, 404, 422, 503),
    **operation("getCommuneGaps", Access.COMMUNE_REPORT),
)
async def get_commune_gaps(
    commune_code: Annotated[str, Path(max_length=16)],
    date: ReportDay,
    gw: GatewayDep,
    caller: CallerDep,
    page_size: PageSize = 100,
    page_token: PageToken = "",
) -> CommuneGapsPage:
    """province_admin and app_client for any commune, the commune's own unit for its own;
    an unknown commune: 404 ``gateway.commune.not_found``."""
    cams, token, total = await gw.gaps.commune(
        caller, commune_code, date.isoformat(), page_size, page_token
    )
    items = [day_out(c) for c in cams]
    return CommuneGapsPage(
        commune_code=commune_code,
        date=date,
        items=items,
        next_page_token=token,
        total=total,
        expected_seconds=sum(i.expected_seconds for i in items),
        recorded_seconds=sum(i.recorded_seconds for i in items),
    )
