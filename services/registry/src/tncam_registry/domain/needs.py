"""The annual connection needs (Art. 22): what a unit may declare (pure rules)."""

from __future__ import annotations

from collections.abc import Mapping

from tncam.registry.v1 import service_pb2 as rpb
from tncam_mesh.errors import InvalidInputError
from tncam_registry.domain.model import SiteKind, UnitKind

MAX_ITEMS = 500
MAX_COUNT = 10_000
MAX_TEXT = 2000
Units = Mapping[str, tuple[str, str | None, str | None]]


def _bad(op: str, detail: str, message: str, field: str) -> InvalidInputError:
    return InvalidInputError(f"registry.{op}.{detail}", message, details={"field": field})


def _place(
    op: str, field: str, commune: str, kind: str, communes: Mapping[str, str], own: str | None
) -> None:
    if commune not in communes:
        raise _bad(op, "unknown_commune", f"{field}: xã/phường {commune!r} không có", field)
    if own is not None and commune != own:
        raise _bad(
            op,
            "other_commune",
            f"{field}: xã/phường {commune} không thuộc đơn vị (site of another commune)",
            field,
        )
    if kind not in {k.value for k in SiteKind}:
        raise _bad(op, "invalid_site_kind", f"{field}: loại địa điểm {kind!r} không hợp lệ", field)


def check_needs(
    op: str, req: rpb.RecordConnectionNeedsRequest, communes: Mapping[str, str], units: Units
) -> None:
    """Known communes and site kinds, counts 1-10,000, names, and a commune unit only in its
    own commune."""
    unit = units.get(req.unit_id)
    own = unit[1] if unit is not None and unit[0] == UnitKind.COMMUNE.value else None
    if len(req.cameras) + len(req.sites) > MAX_ITEMS:
        raise _bad(op, "too_many", f"tối đa {MAX_ITEMS} mục", "cameras")
    for i, c in enumerate(req.cameras):
        field = f"cameras[{i}]"
        _place(op, field, c.commune_code, c.site_kind, communes, own)
        if not 1 <= c.count <= MAX_COUNT:
            raise _bad(op, "invalid_count", f"{field}.count: 1-{MAX_COUNT}", f"{field}.count")
        if len(c.note) > MAX_TEXT or len(c.site_id) > 64:
            raise _bad(op, "too_long", f"{field}: quá dài", field)
    for i, s in enumerate(req.sites):
        field = f"sites[{i}]"
        _place(op, field, s.commune_code, s.site_kind, communes, own)
        if not s.name.strip() or len(s.name) > 256 or len(s.address) > 1024:
            raise _bad(op, "invalid_site", f"{field}: cần tên địa điểm (≤ 256 ký tự)", field)
    if len(req.budget_note) > MAX_TEXT or len(req.needs) > 20_000:
        raise _bad(op, "too_long", "budget_note / needs: quá dài", "budget_note")
