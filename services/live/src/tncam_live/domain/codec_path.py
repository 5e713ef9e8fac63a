"""How a viewer's video is sent, from its offer and the camera's codec (ADR 0022, pure)."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class CodecPath(enum.Enum):
    """The three ways video reaches a viewer (``tncam.live.v1.CodecPath``)."""

    PASSTHROUGH_H265 = "passthrough_h265"
    PASSTHROUGH_H264 = "passthrough_h264"
    TRANSCODE_H264 = "transcode_h264"

    @property
    def sent_codec(self) -> str:
        """The RTP codec name the viewer receives."""
        return "H265" if self is CodecPath.PASSTHROUGH_H265 else "H264"


class NoCommonCodecError(ValueError):
    """The offer lists no codec this camera can be sent in."""


def choose_path(camera_codec: str, offered: frozenset[str]) -> CodecPath:
    """The path for a camera codec (``hevc``/``h264``) and the offer's video codec names.

    H.265 goes through as it is when the viewer can decode it; an H.264 camera always goes
    through as it is; otherwise the camera's one shared H.265 -> H.264 transcode.
    """
    if camera_codec == "hevc" and "H265" in offered:
        return CodecPath.PASSTHROUGH_H265
    if "H264" not in offered:
        raise NoCommonCodecError(
            f"the offer lists {sorted(offered) or 'no video codec'}; "
            f"a {camera_codec} camera needs H265 or H264"
        )
    if camera_codec == "h264":
        return CodecPath.PASSTHROUGH_H264
    if camera_codec == "hevc":
        return CodecPath.TRANSCODE_H264
    raise NoCommonCodecError(f"the camera sends {camera_codec!r}, which the edge cannot send")


#: RFC 6381 sample entry names a MediaSource may accept, by the codec the edge sends.
_MSE_FAMILIES = {"avc1": "H264", "avc3": "H264", "hvc1": "H265", "hev1": "H265"}


def mse_offered(codecs: Iterable[str]) -> frozenset[str]:
    """The codec names (``H264``/``H265``) of an MSE viewer's accepted codecs strings
    (``avc1.64001f``, ``hvc1.1.6.L120.90``...): what ``choose_path`` takes as the offer."""
    return frozenset(
        name
        for c in codecs
        if (name := _MSE_FAMILIES.get(c.strip().split(".", 1)[0].lower())) is not None
    )
