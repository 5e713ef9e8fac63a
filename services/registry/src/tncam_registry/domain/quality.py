"""Picture quality per camera (issue 14 item 3): verdicts, wording, history length (pure).

ingest judges each snapshot and stats window (``camera.v1.QualityResult``); the registry keeps
the latest result and a short history. A camera is ``good`` when its latest result has no
flag, ``poor`` with at least one, ``unknown`` when it has no result or is not connected now (a
lost camera's last picture says nothing about the present). Connection and picture are two
things: a camera can be connected (``Có`` in the report) with a poor picture, worded
"Có kết nối — hình ảnh kém" as the appendix words states.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from tncam_registry.domain.model import CameraState

GOOD = "good"
POOR = "poor"
UNKNOWN = "unknown"
VERDICTS = (GOOD, POOR, UNKNOWN)
#: Every flag ingest reports, in its order, with the operator's wording.
FLAG_TEXTS: dict[str, str] = {
    "black": "hình đen",
    "blurred": "hình mờ",
    "frozen": "hình đứng (không thay đổi)",
    "low_fps": "tốc độ khung hình thấp",
    "bitrate_collapse": "tốc độ bit giảm đột ngột",
    "codec_mismatch": "chuẩn nén khác đăng ký",
    "resolution_mismatch": "độ phân giải khác đăng ký",
}
FLAGS = tuple(FLAG_TEXTS)
#: Results kept per camera (about an hour at one snapshot a minute).
HISTORY_LENGTH = 60
#: A picture poor for this long is alerted on (deploy/prometheus/rules.yml).
POOR_ALERT_AFTER = dt.timedelta(minutes=15)

CONNECTED_POOR = "Có kết nối — hình ảnh kém"
CONNECTED_GOOD = "Có kết nối — hình ảnh tốt"
CONNECTED_UNKNOWN = "Có kết nối — chưa có kết quả kiểm tra hình ảnh"
_STATE_TEXTS = {
    CameraState.NEVER: "Chưa kết nối",
    CameraState.LOST: "Mất kết nối",
}
_CONNECTED = (CameraState.CONNECTED, CameraState.UNSTABLE)


@dataclass(frozen=True, slots=True)
class Stored:
    """What the registry holds of a camera's latest result."""

    flags: tuple[str, ...]
    checked_at: dt.datetime
    poor_since: dt.datetime | None


def known_flags(flags: Sequence[str]) -> tuple[str, ...]:
    """The flags the registry knows, in their order (an unknown name is dropped)."""
    wanted = set(flags)
    return tuple(f for f in FLAGS if f in wanted)


def poor_since(
    flags: Sequence[str], at: dt.datetime, previous: Stored | None
) -> dt.datetime | None:
    """Start of the current run of poor results after a result with ``flags`` taken ``at``."""
    if not flags:
        return None
    if previous is not None and previous.flags and previous.poor_since is not None:
        return min(previous.poor_since, at)
    return at


def verdict(state: CameraState, flags: Sequence[str] | None) -> str:
    """``good``, ``poor`` or ``unknown`` (``flags`` None: no result stored)."""
    if flags is None or state not in _CONNECTED:
        return UNKNOWN
    return POOR if flags else GOOD


def flags_text(flags: Sequence[str]) -> str:
    """The flags in Vietnamese, e.g. "hình đen, tốc độ khung hình thấp"."""
    return ", ".join(FLAG_TEXTS.get(f, f) for f in flags)


def summary(state: CameraState, flags: Sequence[str] | None) -> str:
    """Connection and picture in the report's wording."""
    v = verdict(state, flags)
    if state not in _CONNECTED:
        return _STATE_TEXTS[state]
    if v == POOR:
        return f"{CONNECTED_POOR} ({flags_text(flags or ())})"
    return CONNECTED_GOOD if v == GOOD else CONNECTED_UNKNOWN
