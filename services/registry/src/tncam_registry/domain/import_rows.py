"""One row of a camera import file: its values and the rules each column is checked by.

Messages are in Vietnamese for the operators who fix the file; they never quote credentials
(URLs are shown masked). Credentials written into the RTSP URL (``rtsp://user:pass@host/``)
are taken out of it and stored encrypted.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tncam_mesh.redact import mask_url
from tncam_registry.domain.model import CAMERA_ID_RE, MIN_RETENTION_DAYS, SiteKind

REQUIRED = ("code", "name", "commune_code", "site_kind", "rtsp_url")
OPTIONAL = (
    "owner_unit",
    "sector",
    "onvif_url",
    "vendor",
    "model",
    "codec",
    "qcvn135_cert",
    "installed_on",
    "rtsp_sub_url",
    "firmware",
    "resolution",
    "qcvn135_valid_until",
    "onvif_version",
    "retention_days",
    "latitude",
    "longitude",
    "location",
    "min_fps",
    "username",
    "password",
)
COLUMNS = REQUIRED + OPTIONAL

_SITE_ALIASES = {
    "service_center": SiteKind.SERVICE_CENTER,
    "ttpvhcc": SiteKind.SERVICE_CENTER,
    "committee_hq": SiteKind.COMMITTEE_HQ,
    "tru_so_ubnd": SiteKind.COMMITTEE_HQ,
    "square": SiteKind.SQUARE,
    "quang_truong": SiteKind.SQUARE,
    "public_place": SiteKind.PUBLIC_PLACE,
    "sector_site": SiteKind.SECTOR_SITE,
}
_CODEC_ALIASES = {
    "hevc": "hevc",
    "h265": "hevc",
    "h.265": "hevc",
    "h264": "h264",
    "h.264": "h264",
    "avc": "h264",
}
_RESOLUTION_RE = re.compile(r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")


@dataclass(frozen=True)
class RowError:
    """One problem, for the operator."""

    row: int
    column: str
    code: str
    message: str


@dataclass(frozen=True)
class CameraRow:
    """A validated camera row."""

    row: int
    code: str
    name: str
    commune_code: str
    site_kind: SiteKind
    rtsp_url: str  # without credentials
    owner_unit: str = ""
    sectors: tuple[str, ...] = ()
    onvif_url: str = ""
    vendor: str = ""
    model: str = ""
    codec: str = "hevc"
    qcvn135_cert: str = ""
    installed_on: dt.date | None = None
    rtsp_sub_url: str = ""
    firmware: str = ""
    resolution: str = ""
    qcvn135_valid_until: dt.date | None = None
    onvif_version: str = ""
    retention_days: int = MIN_RETENTION_DAYS
    latitude: float | None = None
    longitude: float | None = None
    location: str = ""
    min_fps: float = 0.0
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Reference:
    """What rows are checked against."""

    communes: frozenset[str]
    units: frozenset[str]
    sectors: frozenset[str]


def normalise_header(name: str) -> str:
    """A column name as the checks compare it: lower case, words joined by ``_``."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def parse_date(value: str) -> dt.date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY`` (the Vietnamese way)."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without userinfo, and the user name and password found in it (decoded)."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urllib.parse.urlunsplit(parts._replace(netloc=hostport))
    return clean, urllib.parse.unquote(user), urllib.parse.unquote(password)


def check_url(url: str, schemes: Sequence[str]) -> str | None:
    """Why ``url`` is not acceptable, or None."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "không phải URL hợp lệ"
    if parts.scheme.lower() not in schemes:
        return f"phải bắt đầu bằng {' hoặc '.join(s + '://' for s in schemes)}"
    if not parts.hostname:
        return "thiếu địa chỉ máy (host)"
    if any(ch.isspace() for ch in url):
        return "không được chứa khoảng trắng"
    return None


def normalise_commune(code: str) -> str:
    """Commune codes are two digits; Excel often drops the leading zero."""
    return code.zfill(2) if code.isdigit() and len(code) < 2 else code


class _RowCheck:
    """The checks of one row, each appending errors in column order."""

    def __init__(self, number: int, rec: Mapping[str, str], ref: Reference) -> None:
        self.number = number
        self.rec = rec
        self.ref = ref
        self.errs: list[RowError] = []

    def err(self, column: str, code: str, message: str) -> None:
        self.errs.append(RowError(self.number, column, code, message))

    def identity(self) -> tuple[str, str, str, SiteKind | None]:
        """Code, name, commune and site kind."""
        rec = self.rec
        for name in REQUIRED:
            if not rec.get(name):
                self.err(name, "required", f"cột '{name}' không được để trống")
        code = rec.get("code", "")
        if code and not CAMERA_ID_RE.match(code):
            self.err(
                "code",
                "invalid",
                f"mã camera '{code}' chỉ gồm chữ không dấu, số, '-' và '_' (tối đa 64 ký tự)",
            )
        name = rec.get("name", "")
        if len(name) > 200:
            self.err("name", "invalid", "tên camera dài quá 200 ký tự")
        commune = normalise_commune(rec.get("commune_code", ""))
        if commune and commune not in self.ref.communes:
            self.err(
                "commune_code",
                "unknown_commune",
                f"mã xã/phường '{commune}' không có trong danh mục",
            )
        site_raw = normalise_header(rec.get("site_kind", ""))
        site_kind = _SITE_ALIASES.get(site_raw)
        if site_raw and site_kind is None:
            self.err(
                "site_kind",
                "invalid",
                f"loại điểm '{rec.get('site_kind')}' không hợp lệ; dùng một trong: "
                + ", ".join(k.value for k in SiteKind),
            )
        return code, name, commune, site_kind

    def urls(self) -> tuple[str, str | None, str | None, dict[str, str]]:
        """The RTSP URL without credentials, the credentials, and the other URLs."""
        raw_url = self.rec.get("rtsp_url", "")
        rtsp_url, username, password = raw_url, None, None
        if raw_url:
            problem = check_url(raw_url, ("rtsp", "rtsps"))
            if problem:
                self.err("rtsp_url", "invalid", f"rtsp_url '{mask_url(raw_url)}' {problem}")
            else:
                rtsp_url, username, password = split_credentials(raw_url)
        extra: dict[str, str] = {}
        for column, schemes in (
            ("rtsp_sub_url", ("rtsp", "rtsps")),
            ("onvif_url", ("http", "https")),
        ):
            value = self.rec.get(column, "")
            if value:
                problem = check_url(value, schemes)
                if problem:
                    self.err(column, "invalid", f"{column} '{mask_url(value)}' {problem}")
                else:
                    extra[column] = split_credentials(value)[0]
        if self.rec.get("username") or self.rec.get("password"):
            username, password = self.rec.get("username", ""), self.rec.get("password", "")
        return rtsp_url, username, password, extra

    def ownership(self) -> tuple[str, tuple[str, ...]]:
        """The owning unit and the sectors."""
        owner = self.rec.get("owner_unit", "")
        if owner and owner not in self.ref.units:
            self.err(
                "owner_unit", "unknown_unit", f"đơn vị quản lý '{owner}' không có trong danh mục"
            )
        raw = self.rec.get("sector", "")
        sectors = tuple(s.strip() for s in re.split(r"[;,|]", raw) if s.strip())
        for s in sectors:
            if s not in self.ref.sectors:
                self.err(
                    "sector",
                    "unknown_sector",
                    f"lĩnh vực '{s}' không hợp lệ; dùng: {', '.join(sorted(self.ref.sectors))}",
                )
        return owner, sectors

    def device(self) -> tuple[str, dict[str, dt.date | None], str]:
        """Codec, dates (installed, certificate valid until) and resolution."""
        rec = self.rec
        codec_raw = rec.get("codec", "").lower()
        codec = _CODEC_ALIASES.get(codec_raw, "") if codec_raw else "hevc"
        if not codec:
            self.err(
                "codec",
                "invalid",
                f"chuẩn nén '{rec.get('codec')}' không hợp lệ; dùng H.265 hoặc H.264",
            )
        dates: dict[str, dt.date | None] = {}
        for column in ("installed_on", "qcvn135_valid_until"):
            value = rec.get(column, "")
            dates[column] = None
            if value:
                try:
                    dates[column] = parse_date(value)
                except ValueError:
                    self.err(
                        column,
                        "invalid",
                        f"ngày '{value}' không hợp lệ; dùng dạng YYYY-MM-DD hoặc DD/MM/YYYY",
                    )
        resolution = rec.get("resolution", "").lower().replace("×", "x").replace(" ", "")
        if resolution and not _RESOLUTION_RE.match(resolution):
            self.err(
                "resolution",
                "invalid",
                f"độ phân giải '{rec.get('resolution')}' phải có dạng 1920x1080",
            )
        return codec, dates, resolution

    def retention(self) -> int:
        """Retention in days (at least the legal minimum)."""
        retention = MIN_RETENTION_DAYS
        if self.rec.get("retention_days"):
            try:
                retention = int(self.rec["retention_days"])
            except ValueError:
                retention = -1
            if retention < MIN_RETENTION_DAYS:
                self.err(
                    "retention_days",
                    "invalid",
                    f"thời gian lưu trữ phải là số ngày, ít nhất {MIN_RETENTION_DAYS}",
                )
        return retention

    def min_fps(self) -> float:
        """The camera's minimum frame rate (0 = ingest's default)."""
        value = self.rec.get("min_fps", "").replace(",", ".")
        if not value:
            return 0.0
        try:
            fps = float(value)
            if not 0 <= fps <= 120:
                raise ValueError(value)
        except ValueError:
            self.err(
                "min_fps", "invalid", f"tốc độ khung hình tối thiểu '{value}' phải từ 0 đến 120"
            )
            return 0.0
        return fps

    def coordinates(self) -> dict[str, float | None]:
        """Latitude and longitude, if given."""
        coords: dict[str, float | None] = {"latitude": None, "longitude": None}
        for column, limit in (("latitude", 90.0), ("longitude", 180.0)):
            value = self.rec.get(column, "")
            if value:
                try:
                    number_value = float(value.replace(",", "."))
                    if abs(number_value) > limit:
                        raise ValueError(value)
                    coords[column] = number_value
                except ValueError:
                    self.err(column, "invalid", f"{column} '{value}' không hợp lệ")
        return coords


def validate_row(
    number: int, rec: Mapping[str, str], ref: Reference
) -> tuple[CameraRow | None, list[RowError]]:
    check = _RowCheck(number, rec, ref)
    code, name, commune, site_kind = check.identity()
    rtsp_url, username, password, extra = check.urls()
    owner, sectors = check.ownership()
    codec, dates, resolution = check.device()
    retention = check.retention()
    coords = check.coordinates()
    min_fps = check.min_fps()
    if check.errs or site_kind is None:
        return None, check.errs
    return (
        CameraRow(
            row=number,
            code=code,
            name=name,
            commune_code=commune,
            site_kind=site_kind,
            rtsp_url=rtsp_url,
            owner_unit=owner,
            sectors=sectors,
            onvif_url=extra.get("onvif_url", ""),
            vendor=rec.get("vendor", ""),
            model=rec.get("model", ""),
            codec=codec,
            qcvn135_cert=rec.get("qcvn135_cert", ""),
            installed_on=dates["installed_on"],
            rtsp_sub_url=extra.get("rtsp_sub_url", ""),
            firmware=rec.get("firmware", ""),
            resolution=resolution,
            qcvn135_valid_until=dates["qcvn135_valid_until"],
            onvif_version=rec.get("onvif_version", ""),
            retention_days=retention,
            latitude=coords["latitude"],
            longitude=coords["longitude"],
            location=rec.get("location", ""),
            min_fps=min_fps,
            username=username,
            password=password,
        ),
        [],
    )


def forbidden_owner(row: int, owner: str) -> RowError:
    """The importing actor may not write cameras of ``owner``."""
    return RowError(
        row, "owner_unit", "forbidden", f"không có quyền nhập camera của đơn vị '{owner}'"
    )
