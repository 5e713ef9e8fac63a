"""A camera as an import record: from API fields or its stored row, checked, back to columns.

The API's create and update go through the same row rules as a file import, so a camera
created by hand and one imported from a spreadsheet are checked alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from tncam.registry.v1 import service_pb2
from tncam_contracts.units import commune_unit_id
from tncam_mesh.errors import InvalidInputError
from tncam_registry.domain import importing as imp

#: Fields an update_mask may name.
MASKABLE = frozenset(service_pb2.CameraFields.DESCRIPTOR.fields_by_name)
#: API field names whose import column is named differently.
FIELD_TO_COLUMN: dict[str, str] = {
    "owner_unit_id": "owner_unit",
    "sectors": "sector",
    "declared_codec": "codec",
}


def from_fields(camera_id: str, f: service_pb2.CameraFields) -> dict[str, str]:
    """The import record of API camera fields."""
    return {
        "code": camera_id,
        "name": f.name,
        "commune_code": f.commune_code,
        "site_kind": f.site_kind,
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
        "min_fps": _fps(f.min_fps),
    }


def _fps(v: float) -> str:
    return f"{v:g}" if v else ""


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def from_row(existing: Any, view: Any) -> dict[str, str]:
    """The import record of a stored camera (its row and its view with site and commune)."""
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
        "installed_on": _text(existing["installed_on"]),
        "rtsp_sub_url": existing["rtsp_sub_url"],
        "firmware": existing["firmware"],
        "resolution": existing["resolution"],
        "qcvn135_valid_until": _text(existing["qcvn135_valid_until"]),
        "onvif_version": existing["onvif_version"],
        "retention_days": str(existing["retention_days"]),
        "latitude": _text(existing["latitude"]),
        "longitude": _text(existing["longitude"]),
        "location": existing["location"],
        "min_fps": _fps(existing["min_fps"]),
    }


def apply_mask(
    record: dict[str, str], new_fields: Mapping[str, str], mask: Sequence[str]
) -> dict[str, str]:
    """``record`` with the masked fields taken from ``new_fields``."""
    out = dict(record)
    for name in mask:
        column = FIELD_TO_COLUMN.get(name, name)
        if column in new_fields:
            out[column] = new_fields[column]
    return out


def unknown_mask_fields(mask: Sequence[str]) -> list[str]:
    """Names in an update_mask that are not camera fields."""
    return [f for f in mask if f not in MASKABLE]


def validate_record(record: dict[str, str], ref: imp.Reference, op: str) -> imp.CameraRow:
    """One record checked by the import rules; any error is ``registry.<op>.invalid``."""
    header = list(record)
    table = [(1, header), (2, [record[h] for h in header])]
    result = imp.validate(table, ref)
    if result.errors:
        raise InvalidInputError(
            f"registry.{op}.invalid",
            "; ".join(f"{e.column}: {e.message}" for e in result.errors),
            details={"errors": [e.__dict__ for e in result.errors]},
        )
    return result.rows[0]


def owner_of(row: imp.CameraRow) -> str:
    """The owning unit: the row's, else the commune's People's Committee."""
    return row.owner_unit or commune_unit_id(row.commune_code)


def column_values(row: imp.CameraRow, site_id: str, owner: str) -> dict[str, Any]:
    """The camera table's configurable columns for a checked row."""
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
        "min_fps": row.min_fps,
    }
