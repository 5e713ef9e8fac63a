"""Reference data: communes, sectors and units seeded from the shipped file, then cached."""

from __future__ import annotations

from typing import Any

from tncam_contracts.units import commune_unit_id
from tncam_mesh.db import unit_of_work
from tncam_registry.db import reference as db
from tncam_registry.domain.model import (
    PROVINCE_UNITS,
    SECTORS,
    UnitKind,
    commune_unit_name,
)
from tncam_registry.domain.reference import ReferenceData
from tncam_registry.domain.report import CommuneRef
from tncam_registry.service.context import RegistryContext


def _unit_rows(communes: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "id": commune_unit_id(code),
            "name": commune_unit_name(name),
            "kind": UnitKind.COMMUNE.value,
            "commune_code": code,
            "sector_code": None,
        }
        for code, name, _ in communes
    ]
    rows += [
        {
            "id": uid,
            "name": name,
            "kind": kind.value,
            "commune_code": None,
            "sector_code": sector,
        }
        for uid, name, kind, sector in PROVINCE_UNITS
    ]
    return rows


async def seed(ctx: RegistryContext) -> None:
    """Upsert communes, sectors and units from the shipped data (idempotent), then cache them."""
    communes = db.read_communes_file()
    async with unit_of_work(ctx.sessions) as s:
        await db.upsert_communes(s, communes)
        await db.upsert_sectors(s, SECTORS)
        await db.upsert_units(s, _unit_rows(communes))
    await load_reference(ctx)


async def load_reference(ctx: RegistryContext) -> None:
    """Cache the reference data in the context."""
    async with ctx.sessions() as s:
        commune_rows, unit_rows, sector_rows = await db.reference(s)
    ctx.ref = ReferenceData(
        communes=[CommuneRef(r.code, r.name) for r in commune_rows],
        commune_kinds={r.code: r.kind for r in commune_rows},
        units={r.id: (r.kind, r.commune_code, r.sector_code) for r in unit_rows},
        sectors=frozenset(r.code for r in sector_rows),
        unit_names={r.id: r.name for r in unit_rows},
        sector_names={r.code: r.name for r in sector_rows},
    )
