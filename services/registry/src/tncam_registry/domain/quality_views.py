"""Picture quality and measured compliance as the registry shows them (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from tncam.registry.v1 import service_pb2
from tncam_registry.domain import quality as qd
from tncam_registry.domain.model import CameraState

COMPLIANT_CODEC = "hevc"


def _set(ts: Timestamp, value: Any) -> None:
    if value is not None:
        ts.FromDatetime(value)


def measured_compliance(row: Any) -> list[str]:
    """Findings from the measured stream, next to the declared ones (R16, issue 14).

    The codec requirement is judged on the measured codec when ingest measured one (else on
    the declaration: ``codec_not_h265`` from deadlines.compliance_issues); a stream that is not
    what was declared is a finding of its own.
    """
    issues: list[str] = []
    measured = row["measured_codec"]
    if not measured:
        return issues
    declared_res = row["resolution"]
    measured_res = f"{row['measured_width']}x{row['measured_height']}"
    if measured != COMPLIANT_CODEC:
        issues.append("measured_codec_not_h265")
    if measured != row["declared_codec"]:
        issues.append("codec_not_as_declared")
    if declared_res and row["measured_width"] and measured_res != declared_res:
        issues.append("resolution_not_as_declared")
    return issues


def compliance(declared: Sequence[str], row: Any) -> list[str]:
    """Declared findings and measured ones; ``codec_not_h265`` follows the measured codec."""
    measured = measured_compliance(row)
    if row["measured_codec"]:
        declared = [i for i in declared if i != "codec_not_h265"]
        if "measured_codec_not_h265" in measured:
            declared = ["codec_not_h265", *declared]
    return [*declared, *measured]


def quality_pb(row: Any, history: Sequence[Any] = ()) -> service_pb2.Camera.PictureQuality | None:
    """The camera's picture quality from a CAMERA_VIEW row (``q_*`` columns); None if no row."""
    state = CameraState(row["state"])
    flags = tuple(row["q_flags"]) if row["q_checked_at"] is not None else None
    msg = service_pb2.Camera.PictureQuality(
        verdict=qd.verdict(state, flags), summary=qd.summary(state, flags)
    )
    if flags is not None:
        msg.flags.extend(flags)
        msg.fps = row["q_fps"]
        msg.bitrate_bps = row["q_bitrate_bps"]
        msg.resolution = f"{row['q_width']}x{row['q_height']}" if row["q_width"] else ""
        msg.codec = row["q_codec"]
        _set(msg.checked_at, row["q_checked_at"])
        _set(msg.last_good_at, row["q_last_good_at"])
        _set(msg.poor_since, row["q_poor_since"])
    for h in history:
        check = msg.history.add(
            flags=list(h["flags"]),
            fps=h["fps"],
            bitrate_bps=h["bitrate_bps"],
            resolution=f"{h['width']}x{h['height']}" if h["width"] else "",
            codec=h["codec"],
        )
        check.at.FromDatetime(h["at"])
    return msg
