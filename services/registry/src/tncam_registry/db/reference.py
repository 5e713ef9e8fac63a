"""Reference data: the communes file shipped with the package, and its tables."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_registry.db.tables import communes, sectors, units


def read_communes_file() -> list[tuple[str, str, str]]:
    """(code, name, kind) of every commune/ward in the file shipped with the package."""
    text = resources.files("tncam_registry").joinpath("data/communes.csv").read_text("utf-8")
    return [(r["code"], r["name"], r["kind"]) for r in csv.DictReader(text.splitlines())]


async def upsert_communes(session: AsyncSession, rows: Sequence[tuple[str, str, str]]) -> None:
    """Communes in file order (rewritten only where they differ)."""
    for position, (code, name, kind) in enumerate(rows, start=1):
        stmt = pg_insert(communes).values(code=code, name=name, kind=kind, position=position)
        await session.execute(
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


async def upsert_sectors(session: AsyncSession, rows: Iterable[tuple[str, str]]) -> None:
    """Sectors (code, name)."""
    for code, name in rows:
        stmt = pg_insert(sectors).values(code=code, name=name)
        await session.execute(
            stmt.on_conflict_do_update(index_elements=["code"], set_={"name": name})
        )


async def upsert_units(session: AsyncSession, rows: Iterable[dict[str, Any]]) -> None:
    """Owning units (name and kind follow the shipped data)."""
    for u in rows:
        stmt = pg_insert(units).values(**u)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["id"], set_={"name": u["name"], "kind": u["kind"]}
            )
        )


async def reference(
    session: AsyncSession,
) -> tuple[list[sa.Row[Any]], list[sa.Row[Any]], list[sa.Row[Any]]]:
    """Communes (in file order), units and sectors (by id and code)."""
    commune_rows = (await session.execute(sa.select(communes).order_by(communes.c.position))).all()
    unit_rows = (await session.execute(sa.select(units).order_by(units.c.id))).all()
    sector_rows = (await session.execute(sa.select(sectors).order_by(sectors.c.code))).all()
    return list(commune_rows), list(unit_rows), list(sector_rows)
