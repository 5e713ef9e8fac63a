"""The closed sets of values the API shows and takes (their wire values), so that the OpenAPI
document names them as enums and generated clients get enum types."""

from __future__ import annotations

from enum import StrEnum


class CameraState(StrEnum):
    """A camera's connection state as the API names the registry's states."""

    UNKNOWN = "unknown"
    NEVER_CONNECTED = "never_connected"
    CONNECTED = "connected"
    LOST_CONNECTION = "lost_connection"
    UNSTABLE = "unstable"


class SiteKind(StrEnum):
    """Where a camera is installed (the registry's site kinds)."""

    SERVICE_CENTER = "service_center"  # Trung tâm Phục vụ hành chính công
    COMMITTEE_HQ = "committee_hq"  # trụ sở UBND
    SQUARE = "square"  # quảng trường
    PUBLIC_PLACE = "public_place"  # khu vực công cộng
    SECTOR_SITE = "sector_site"  # site of a sector operation center


class ExportKind(StrEnum):
    """Quick extraction (Art. 8.2, reported after the fact) or an export waiting for approval."""

    QUICK = "quick"
    APPROVAL = "approval"


class ExportStatus(StrEnum):
    """Where an export request is."""

    PENDING = "pending"
    READY = "ready"
    REJECTED = "rejected"
    FAILED = "failed"


class AccountStatus(StrEnum):
    """Whether an account may sign in."""

    ACTIVE = "active"
    DISABLED = "disabled"


class LogView(StrEnum):
    """Which part of the audit log: all; processing = nhật ký xử lý dữ liệu cá nhân;
    extraction = trích xuất."""

    ALL = "all"
    PROCESSING = "processing"
    EXTRACTION = "extraction"


class LogOutcome(StrEnum):
    """The outcome an audit event records."""

    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


class ReportFormat(StrEnum):
    """The connection report's formats."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"
    PDF = "pdf"


class ReportCellText(StrEnum):
    """A connection report cell as the directive's appendix words it (blank: no camera)."""

    CONNECTED = "Có"
    LOST = "Mất kết nối"
    NEVER = "Chưa kết nối"
    NONE = ""


class QualityVerdict(StrEnum):
    """A camera's picture quality: its latest result has no flag, has one, or is not known
    (no result yet, or the camera is not connected now)."""

    GOOD = "good"
    POOR = "poor"
    UNKNOWN = "unknown"


class QualityFlag(StrEnum):
    """What a picture-quality result found (ingest's checks, the registry's names)."""

    BLACK = "black"
    BLURRED = "blurred"
    FROZEN = "frozen"
    LOW_FPS = "low_fps"
    BITRATE_COLLAPSE = "bitrate_collapse"
    CODEC_MISMATCH = "codec_mismatch"
    RESOLUTION_MISMATCH = "resolution_mismatch"
