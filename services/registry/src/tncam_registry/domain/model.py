"""The registry's vocabulary: site kinds, connection states, sectors, unit kinds."""

from __future__ import annotations

import re
from enum import StrEnum

CAMERA_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MIN_RETENTION_DAYS = 30


class SiteKind(StrEnum):
    """Where a camera is installed."""

    SERVICE_CENTER = "service_center"  # Trung tâm Phục vụ hành chính công
    COMMITTEE_HQ = "committee_hq"  # trụ sở UBND
    SQUARE = "square"  # quảng trường
    PUBLIC_PLACE = "public_place"  # khu vực công cộng
    SECTOR_SITE = "sector_site"  # site of a sector operation center

    @property
    def notice_required(self) -> bool:
        """Public places need a notice sign; administrative areas do not (R17)."""
        return self in (SiteKind.SQUARE, SiteKind.PUBLIC_PLACE)

    @property
    def label_vi(self) -> str:
        """The Vietnamese name of the kind."""
        return _SITE_LABELS[self]


_SITE_LABELS = {
    SiteKind.SERVICE_CENTER: "Trung tâm Phục vụ hành chính công",
    SiteKind.COMMITTEE_HQ: "Trụ sở UBND",
    SiteKind.SQUARE: "Quảng trường",
    SiteKind.PUBLIC_PLACE: "Khu vực công cộng",
    SiteKind.SECTOR_SITE: "Điểm của trung tâm điều hành chuyên ngành",
}


class CameraState(StrEnum):
    """Connection state of a camera (R2)."""

    NEVER = "never"  # Chưa kết nối
    CONNECTED = "connected"  # Có
    LOST = "lost"  # Mất kết nối
    UNSTABLE = "unstable"  # Kết nối không ổn định

    @property
    def is_up(self) -> bool:
        """Whether the camera delivers a stream now (connected, stable or not)."""
        return self in (CameraState.CONNECTED, CameraState.UNSTABLE)


class UnitKind(StrEnum):
    """Kinds of owning units."""

    COMMUNE = "commune"
    DEPARTMENT = "department"
    SERVICE_CENTER = "service_center"
    SECTOR_CENTER = "sector_center"


#: Sectors of the sector operation centers (code, Vietnamese name).
SECTORS: tuple[tuple[str, str], ...] = (
    ("traffic", "Giao thông"),
    ("public_security", "An ninh trật tự"),
    ("health", "Y tế"),
    ("education", "Giáo dục"),
    ("environment", "Tài nguyên và môi trường"),
    ("tourism", "Du lịch"),
    ("urban_order", "Trật tự đô thị"),
    ("fire_rescue", "Phòng cháy chữa cháy"),
)

#: Province-level units present in every deployment (id, name, kind, sector).
PROVINCE_UNITS: tuple[tuple[str, str, UnitKind, str | None], ...] = (
    ("skhcn", "Sở Khoa học và Công nghệ", UnitKind.DEPARTMENT, None),
    (
        "ttpvhcc-tinh",
        "Trung tâm Phục vụ hành chính công tỉnh",
        UnitKind.SERVICE_CENTER,
        None,
    ),
    ("ttdh-giao-thong", "Trung tâm điều hành giao thông", UnitKind.SECTOR_CENTER, "traffic"),
    ("ttdh-y-te", "Trung tâm điều hành y tế", UnitKind.SECTOR_CENTER, "health"),
    ("ttdh-giao-duc", "Trung tâm điều hành giáo dục", UnitKind.SECTOR_CENTER, "education"),
)


def commune_unit_name(commune_name: str) -> str:
    """The name of a commune's People's Committee as an owning unit."""
    return f"UBND {commune_name}"


def default_site_name(kind: SiteKind, commune_name: str) -> str:
    """The name of a commune's default site of ``kind``."""
    return f"{kind.label_vi} {commune_name}"


def default_site_id(commune_code: str, kind: SiteKind) -> str:
    """The id of a commune's default site of ``kind`` (created on first use)."""
    return f"{commune_code}-{kind.value}"


def credentials_ref(camera_id: str) -> str:
    """The opaque reference ingest resolves to a camera's credentials."""
    return f"registry:credentials/{camera_id}"


def camera_id_of_ref(ref: str) -> str | None:
    """The camera id in a credentials reference, or None if it is not one of ours."""
    prefix = "registry:credentials/"
    if not ref.startswith(prefix):
        return None
    camera_id = ref[len(prefix) :]
    return camera_id if CAMERA_ID_RE.match(camera_id) else None
