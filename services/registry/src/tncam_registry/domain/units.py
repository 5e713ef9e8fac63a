"""Owning units, their contacts and sites, as the operators edit them (pure rules).

Communes/wards are seeded from the shipped file (their name and kind follow it); departments,
service centers and sector operation centers are added through ``create_unit``. Every unit
may name its leader and IT focal point (Art. 20.3, 21.1): who is told what concerns it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts.units import commune_unit_id
from tncam_mesh.errors import InvalidInputError
from tncam_registry.domain.model import SiteKind, UnitKind
from tncam_registry.domain.views import iso

UNIT_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
SITE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")
# A practical address check (RFC 5321 lengths; one @, a dotted domain, no spaces).
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# Vietnamese numbers as people write them: +84 or 0, then 8-11 digits, spaces/dots/dashes.
PHONE_RE = re.compile(r"^(\+84|0)[0-9 .-]{8,14}$")
ADDABLE_KINDS = (UnitKind.DEPARTMENT, UnitKind.SERVICE_CENTER, UnitKind.SECTOR_CENTER)
CONTACT_ROLES = ("leader", "it")
UNIT_FIELDS = frozenset({"name", "leader", "it_focal", "active", "sector_code"})
CONTACT_FIELDS = frozenset({"leader", "it_focal"})
SITE_FIELDS = frozenset({"name", "address", "unit_id", "notice_present", "notice_checked_on"})
MAX_TEXT = 256


def _bad(op: str, detail: str, message: str, **details: Any) -> InvalidInputError:
    return InvalidInputError(f"registry.{op}.{detail}", message, details=details or None)


def _text(op: str, field: str, value: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if required and not value:
        raise _bad(op, "required", f"{field}: bắt buộc (required)", field=field)
    if len(value) > limit:
        raise _bad(op, "too_long", f"{field}: tối đa {limit} ký tự", field=field)
    return value


def contact_columns(op: str, prefix: str, c: rpb.UnitContact) -> dict[str, str]:
    """A contact's columns (``leader_*`` / ``it_*``), checked: an e-mail address that is one,
    a Vietnamese phone number, a name whenever anything else is given."""
    name = _text(op, f"{prefix}.name", c.name)
    position = _text(op, f"{prefix}.position", c.position)
    phone = _text(op, f"{prefix}.phone", c.phone, limit=20)
    email = _text(op, f"{prefix}.email", c.email, limit=254)
    if email and not EMAIL_RE.match(email):
        raise _bad(
            op,
            "invalid_email",
            f"{prefix}.email: địa chỉ e-mail không hợp lệ (invalid e-mail address)",
            field=f"{prefix}.email",
        )
    if phone and not PHONE_RE.match(phone):
        raise _bad(
            op,
            "invalid_phone",
            f"{prefix}.phone: số điện thoại không hợp lệ, dạng 0xxxxxxxxx hoặc +84xxxxxxxxx",
            field=f"{prefix}.phone",
        )
    if (position or phone or email) and not name:
        raise _bad(
            op, "required", f"{prefix}.name: cần họ tên người liên hệ", field=f"{prefix}.name"
        )
    col = "leader" if prefix == "leader" else "it"
    return {
        f"{col}_name": name,
        f"{col}_position": position,
        f"{col}_phone": phone,
        f"{col}_email": email.lower(),
    }


def new_unit_row(
    op: str, u: rpb.Unit, *, known_units: Mapping[str, Any], sectors: frozenset[str]
) -> dict[str, Any]:
    """The row of a unit added by an operator (never a commune: those are seeded)."""
    if not UNIT_ID_RE.match(u.id):
        raise _bad(op, "invalid_id", "id: 2-64 chữ thường, số và '-' (e.g. 'so-gtvt')")
    if u.id in known_units:
        raise _bad(op, "exists", f"đơn vị {u.id!r} đã tồn tại (unit exists)")
    if u.kind not in {k.value for k in ADDABLE_KINDS}:
        raise _bad(
            op,
            "invalid_kind",
            "kind: department, service_center hoặc sector_center (xã/phường có sẵn)",
        )
    sector = u.sector_code.strip() or None
    if u.kind == UnitKind.SECTOR_CENTER.value and not sector:
        raise _bad(op, "sector_required", "sector_code: bắt buộc với trung tâm điều hành")
    if sector is not None and sector not in sectors:
        raise _bad(op, "unknown_sector", f"lĩnh vực {sector!r} không có trong danh mục")
    return {
        "id": u.id,
        "name": _text(op, "name", u.name, required=True),
        "kind": u.kind,
        "commune_code": None,
        "sector_code": sector,
        "active": True,
        "seeded": False,
        **contact_columns(op, "leader", u.leader),
        **contact_columns(op, "it_focal", u.it_focal),
    }


def unit_changes(
    op: str, u: rpb.Unit, mask: Sequence[str], *, seeded: bool, sectors: frozenset[str]
) -> dict[str, Any]:
    """The columns an update changes; a seeded unit keeps the shipped name."""
    unknown = sorted(set(mask) - UNIT_FIELDS)
    if unknown or not mask:
        raise _bad(op, "update_mask", f"update_mask: chỉ {sorted(UNIT_FIELDS)}", fields=unknown)
    values: dict[str, Any] = {}
    if "name" in mask:
        if seeded:
            raise _bad(op, "seeded", "tên của xã/phường theo danh mục, không sửa được")
        values["name"] = _text(op, "name", u.name, required=True)
    if "sector_code" in mask:
        if seeded:
            raise _bad(op, "seeded", "lĩnh vực của đơn vị có sẵn không sửa được")
        if u.sector_code not in sectors:
            raise _bad(op, "unknown_sector", f"lĩnh vực {u.sector_code!r} không có")
        values["sector_code"] = u.sector_code
    if "active" in mask:
        values["active"] = u.active
    if "leader" in mask:
        values.update(contact_columns(op, "leader", u.leader))
    if "it_focal" in mask:
        values.update(contact_columns(op, "it_focal", u.it_focal))
    return values


def unit_to_pb(row: Any) -> rpb.Unit:
    """A unit row as the API shows it, with its contacts."""
    return rpb.Unit(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        commune_code=row["commune_code"] or "",
        sector_code=row["sector_code"] or "",
        leader=rpb.UnitContact(
            name=row["leader_name"],
            position=row["leader_position"],
            phone=row["leader_phone"],
            email=row["leader_email"],
        ),
        it_focal=rpb.UnitContact(
            name=row["it_name"],
            position=row["it_position"],
            phone=row["it_phone"],
            email=row["it_email"],
        ),
        active=row["active"],
        revision=row["revision"],
    )


def site_owner(unit_id: str | None, commune_code: str) -> str:
    """The unit answerable for a site: its own unit, else the commune's People's Committee."""
    return unit_id or commune_unit_id(commune_code)


def new_site_row(
    op: str,
    s: rpb.Site,
    *,
    communes: frozenset[str],
    units: Mapping[str, tuple[str, str | None, str | None]],
    checked_on: Any,
) -> dict[str, Any]:
    """A new site, checked: a known commune and kind, a unit that exists, and a commune unit
    only in its own commune (a site of another commune is refused)."""
    if not SITE_ID_RE.match(s.id):
        raise _bad(op, "invalid_id", "id: 2-64 chữ, số, '-' và '_'")
    if s.commune_code not in communes:
        raise _bad(op, "unknown_commune", f"xã/phường {s.commune_code!r} không có trong danh mục")
    try:
        kind = SiteKind(s.kind)
    except ValueError:
        raise _bad(op, "invalid_kind", f"kind: {[k.value for k in SiteKind]}") from None
    unit_id = s.unit_id.strip() or None
    if unit_id is not None:
        check_site_unit(op, unit_id, s.commune_code, units)
    return {
        "id": s.id,
        "name": _text(op, "name", s.name, required=True),
        "kind": kind.value,
        "commune_code": s.commune_code,
        "unit_id": unit_id,
        "notice_required": kind.notice_required,
        "notice_present": s.notice_present,
        "notice_checked_on": checked_on,
        "address": _text(op, "address", s.address, limit=1024),
    }


def check_site_unit(
    op: str,
    unit_id: str,
    commune_code: str,
    units: Mapping[str, tuple[str, str | None, str | None]],
) -> None:
    """The unit of a site exists, and a commune unit only answers for its own commune."""
    unit = units.get(unit_id)
    if unit is None:
        raise _bad(op, "unknown_unit", f"đơn vị {unit_id!r} không có trong danh mục (unknown unit)")
    if unit[0] == UnitKind.COMMUNE.value and unit[1] != commune_code:
        raise _bad(
            op,
            "other_commune",
            f"địa điểm thuộc xã/phường {commune_code}, không thuộc {unit_id} "
            "(site of another commune)",
        )


def site_to_pb(row: Any, commune_name: str) -> rpb.Site:
    """A site row as the API shows it."""
    return rpb.Site(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        commune_code=row["commune_code"],
        commune_name=commune_name,
        unit_id=row["unit_id"] or "",
        address=row["address"],
        notice_required=row["notice_required"],
        notice_present=row["notice_present"],
        notice_checked_on=iso(row["notice_checked_on"]),
        cameras=int(row.get("cameras", 0) or 0),
    )


def new_site_name(op: str, name: str) -> str:
    """A site's name, checked."""
    return _text(op, "name", name, required=True)
