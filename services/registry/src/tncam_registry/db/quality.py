"""SQL of picture quality: the latest result per camera, its short history, filters, figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import (
    camera_connection,
    camera_quality,
    camera_quality_history,
    cameras,
    sites,
)
from tncam_registry.domain import quality as qd
from tncam_registry.domain.model import CameraState

_UP = [CameraState.CONNECTED.value, CameraState.UNSTABLE.value]


async def lock_latest(session: AsyncSession, camera_id: str) -> qd.Stored | bool | None:
    """The camera's latest stored result (locked); None if none; False if no such camera."""
    exists = await session.scalar(
        sa.select(cameras.c.id).where(cameras.c.id == camera_id).with_for_update()
    )
    if exists is None:
        return False
    row = (
        (
            await session.execute(
                sa.select(camera_quality).where(camera_quality.c.camera_id == camera_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return qd.Stored(tuple(row["flags"]), row["checked_at"], row["poor_since"])


async def save_result(
    session: AsyncSession, camera_id: str, values: dict[str, Any], *, keep: int
) -> None:
    """Store a result as the latest and in the history, keeping the last ``keep`` results."""
    history = {k: values[k] for k in ("flags", "fps", "bitrate_bps", "width", "height", "codec")}
    stmt = pg_insert(camera_quality).values(camera_id=camera_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["camera_id"], set_=dict(values))
    )
    await session.execute(
        sa.insert(camera_quality_history).values(
            camera_id=camera_id, at=values["checked_at"], **history
        )
    )
    newest = (
        sa.select(camera_quality_history.c.id)
        .where(camera_quality_history.c.camera_id == camera_id)
        .order_by(camera_quality_history.c.at.desc(), camera_quality_history.c.id.desc())
        .limit(keep)
    )
    await session.execute(
        sa.delete(camera_quality_history).where(
            camera_quality_history.c.camera_id == camera_id,
            camera_quality_history.c.id.not_in(newest.scalar_subquery()),
        )
    )


async def history(session: AsyncSession, camera_id: str, limit: int) -> list[sa.RowMapping]:
    """The camera's stored results, newest first."""
    rows = await session.execute(
        sa.select(camera_quality_history)
        .where(camera_quality_history.c.camera_id == camera_id)
        .order_by(camera_quality_history.c.at.desc(), camera_quality_history.c.id.desc())
        .limit(limit)
    )
    return list(rows.mappings().all())


def quality_filters(verdicts: Sequence[str], flags: Sequence[str]) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses of a camera listing by quality verdict and/or flag (CAMERA_VIEW columns)."""
    cond: list[sa.ColumnElement[bool]] = []
    up = camera_connection.c.state.in_(_UP)
    has_result = camera_quality.c.camera_id.is_not(None)
    poor = sa.func.cardinality(camera_quality.c.flags) > 0
    by_verdict = {
        qd.GOOD: sa.and_(up, has_result, sa.not_(poor)),
        qd.POOR: sa.and_(up, has_result, poor),
        qd.UNKNOWN: sa.or_(sa.not_(up), sa.not_(has_result)),
    }
    if verdicts:
        cond.append(sa.or_(*(by_verdict[v] for v in dict.fromkeys(verdicts))))
    if flags:
        cond.append(sa.and_(up, camera_quality.c.flags.overlap(list(flags))))
    return cond


async def poor_connected(session: AsyncSession, site_kinds: Sequence[str]) -> list[Any]:
    """Active connected cameras at ``site_kinds`` whose latest result is poor."""
    rows = await session.execute(
        sa.select(
            cameras.c.id,
            cameras.c.name,
            sites.c.commune_code,
            sites.c.kind,
            camera_quality.c.flags,
            camera_quality.c.poor_since,
        )
        .select_from(
            cameras.join(sites, sites.c.id == cameras.c.site_id)
            .join(camera_connection, camera_connection.c.camera_id == cameras.c.id)
            .join(camera_quality, camera_quality.c.camera_id == cameras.c.id)
        )
        .where(
            cameras.c.active.is_(True),
            sites.c.kind.in_(list(site_kinds)),
            camera_connection.c.state.in_(_UP),
            sa.func.cardinality(camera_quality.c.flags) > 0,
        )
        .order_by(cameras.c.id)
    )
    return list(rows.all())


async def poor_by_commune(session: AsyncSession, now: dt.datetime) -> dict[str, tuple[int, float]]:
    """Per commune with poor pictures now: connected cameras, longest poor run (seconds)."""
    longest = sa.func.max(sa.extract("epoch", now - camera_quality.c.poor_since))
    rows = await session.execute(
        sa.select(sites.c.commune_code, sa.func.count(), sa.func.coalesce(longest, 0))
        .select_from(
            cameras.join(sites, sites.c.id == cameras.c.site_id)
            .join(camera_connection, camera_connection.c.camera_id == cameras.c.id)
            .join(camera_quality, camera_quality.c.camera_id == cameras.c.id)
        )
        .where(
            cameras.c.active.is_(True),
            camera_connection.c.state.in_(_UP),
            sa.func.cardinality(camera_quality.c.flags) > 0,
        )
        .group_by(sites.c.commune_code)
    )
    return {code: (int(n), float(s)) for code, n, s in rows.all()}
