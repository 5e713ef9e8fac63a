"""Changes that would hide a camera from the official reports (issue 14 item 2).

The connection report counts active cameras by commune and site kind: deactivating a camera,
or moving it to another commune or site kind, changes what the report says. Such a change by a
unit operator is kept as a request until a province admin approves it (``access``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from tncam.registry.v1 import changes_pb2
from tncam_registry.domain.import_rows import RowError


class ChangeKind(StrEnum):
    DEACTIVATE = "deactivate"
    UPDATE = "update"


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


KIND_TO_PB = {
    ChangeKind.DEACTIVATE: changes_pb2.CHANGE_KIND_DEACTIVATE,
    ChangeKind.UPDATE: changes_pb2.CHANGE_KIND_UPDATE,
}
STATUS_TO_PB = {
    ChangeStatus.PENDING: changes_pb2.CHANGE_STATUS_PENDING,
    ChangeStatus.APPROVED: changes_pb2.CHANGE_STATUS_APPROVED,
    ChangeStatus.REJECTED: changes_pb2.CHANGE_STATUS_REJECTED,
}
PB_TO_STATUS = {v: k for k, v in STATUS_TO_PB.items()}
#: The fields whose change moves a camera in the connection report.
REPORTED_PLACE = ("commune_code", "site_kind")


def moves_in_report(current: Any, new: Mapping[str, Any]) -> bool:
    """Whether the new values put the camera in another commune or site kind."""
    return any(str(current[k]) != str(new[k]) for k in REPORTED_PLACE)


def update_summary(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What an update changes, one "field: old → new" line per changed field (no secret: the
    callers pass column values without credentials)."""
    return [
        f"{k}: {_text(before.get(k))} → {_text(after[k])}"
        for k in sorted(after)
        if _text(before.get(k)) != _text(after[k])
    ]


def deactivation_summary() -> list[str]:
    return ["active: true → false"]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def import_needs_approval(row: int) -> RowError:
    """An import row that would move an active camera to another commune or site kind, by an
    actor whose such change needs approval: refused (the API's update makes it a request)."""
    return RowError(
        row,
        "site_kind",
        "needs_approval",
        "đổi xã/phường hoặc loại vị trí của camera đang hoạt động cần quản trị cấp tỉnh phê "
        "duyệt: dùng chức năng cập nhật camera để gửi yêu cầu",
    )
