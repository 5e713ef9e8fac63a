"""Picture quality in the API: a camera's (list and detail) and the report's quality list."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from tncam.registry.v1 import service_pb2
from tncam_gateway.api.instants import UtcDatetime
from tncam_gateway.domain.vocabulary import QualityFlag, QualityVerdict, SiteKind


class QualityCheckOut(BaseModel):
    """One stored quality result (camera detail only)."""

    at: UtcDatetime
    flags: list[QualityFlag]
    fps: float
    bitrate_bps: int
    resolution: str
    codec: str


class PictureQualityOut(BaseModel):
    """The camera's picture quality as ingest last measured it."""

    verdict: QualityVerdict = Field(examples=["poor"])
    flags: list[QualityFlag] = Field(default_factory=list, examples=[["black"]])
    summary: str = Field(
        description="Connection and picture in the report's wording",
        examples=["Có kết nối — hình ảnh kém (hình đen)"],
    )
    fps: float = 0.0
    bitrate_bps: int = 0
    resolution: str = Field(default="", examples=["1920x1080"])
    codec: str = Field(default="", examples=["hevc"])
    checked_at: UtcDatetime | None = None
    last_good_at: UtcDatetime | None = Field(
        default=None, description="When the last picture without a flag was seen"
    )
    poor_since: UtcDatetime | None = None
    history: list[QualityCheckOut] = Field(
        default_factory=list, description="Recent results, newest first (camera detail only)"
    )


def _known(flags: Iterable[str]) -> list[QualityFlag]:
    names = {f.value for f in QualityFlag}
    return [QualityFlag(f) for f in flags if f in names]


def quality_out(c: service_pb2.Camera) -> PictureQualityOut:
    """The API view of a camera's quality (``unknown`` when the registry has none)."""
    if not c.HasField("quality"):
        return PictureQualityOut(verdict=QualityVerdict.UNKNOWN, summary="")
    q = c.quality
    return PictureQualityOut(
        verdict=QualityVerdict(q.verdict or "unknown"),
        flags=_known(q.flags),
        summary=q.summary,
        fps=q.fps,
        bitrate_bps=q.bitrate_bps,
        resolution=q.resolution,
        codec=q.codec,
        checked_at=q.checked_at.ToDatetime() if q.HasField("checked_at") else None,
        last_good_at=q.last_good_at.ToDatetime() if q.HasField("last_good_at") else None,
        poor_since=q.poor_since.ToDatetime() if q.HasField("poor_since") else None,
        history=[
            QualityCheckOut(
                at=h.at.ToDatetime(),
                flags=_known(h.flags),
                fps=h.fps,
                bitrate_bps=h.bitrate_bps,
                resolution=h.resolution,
                codec=h.codec,
            )
            for h in q.history
        ],
    )


class ReportQualityItem(BaseModel):
    """A camera of the report's quality list: connected, poor picture."""

    commune_code: str = Field(examples=["05512"])
    commune_name: str = Field(examples=["Xã Tân Thịnh"])
    camera_id: str
    camera_name: str
    site_kind: SiteKind
    flags: list[QualityFlag]
    text: str = Field(examples=["hình đen"])
    poor_since: UtcDatetime | None = None
