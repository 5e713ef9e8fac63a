"""Packetize each frame once for every viewer: a payload cache aiortc's senders consult.

aiortc gives every ``RTCRtpSender`` its own encoder and calls its ``pack()`` for every frame
(ADR 0021), so ten viewers of one camera would split the same access unit into RTP payloads
ten times. The live edge hands every viewer of a fan-out the *same* ``av.Packet`` object per
frame; its ``opaque`` slot carries a :class:`SharedPayloads`, and the encoders installed here
(subclasses of aiortc's H.264 encoder and of our H.265 one, differing only in ``pack``) return
what the first sender packed for the frame's codec to every other sender. Sequence numbers,
SSRC, the timestamps' random origin and SRTP stay per sender (aiortc adds them after
``pack``); the payload bytes and the frame's 90 kHz timestamp are the same for every viewer,
which is all both packers compute, from the packet alone.

``register_payload_cache()`` rebinds ``aiortc.rtcrtpsender.get_encoder`` (the name the sender
module imported, as ``register_h265`` does; call it after ``register_h265``): an H.264 or
H.265 sender gets the caching subclass of its encoder, every other codec is left alone.
Packets without a :class:`SharedPayloads` are packed as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
from aiortc import rtcrtpsender
from aiortc.codecs.base import Encoder
from aiortc.codecs.h264 import H264Encoder
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from av.packet import Packet

from tncam_live.media.aiortc_h265 import H265Encoder

_MARK = "_tncam_payload_cache"
TIME_BASE = Fraction(1, 90_000)

#: Called once per pack: the codec (``H264``/``H265``) and whether the payloads were reused.
PackObserver = Callable[[str, bool], None]


@dataclass(slots=True)
class SharedPayloads:
    """The RTP payloads and timestamp of one frame, per codec, filled by the first sender."""

    by_codec: dict[str, tuple[list[bytes], int]] = field(default_factory=dict)
    #: The frame as an MP4 sample for MSE viewers (``media/fmp4.py: Sample``), made once.
    mp4_sample: Any = None


@dataclass(frozen=True, slots=True)
class LiveFrame:
    """One coded picture as every viewer of a fan-out gets it: one shared ``av.Packet``."""

    packet: Packet[Any]
    keyframe: bool
    pts: int  # 90 kHz, on the fan-out's own timeline
    capture_ns: int = 0  # the camera's capture time (Unix ns), 0 when not known


def live_frame(data: bytes, pts: int, keyframe: bool, capture_ns: int = 0) -> LiveFrame:
    """A frame whose packet carries an empty payload cache."""
    packet = av.Packet(data)
    packet.pts = pts
    packet.dts = pts
    packet.time_base = TIME_BASE
    packet.opaque = SharedPayloads()
    return LiveFrame(packet, keyframe, pts, capture_ns)


class _State:
    observer: PackObserver | None = None


def _pack_once(
    codec: str, packet: Packet[Any], pack: Callable[[Packet[Any]], tuple[list[bytes], int]]
) -> tuple[list[bytes], int]:
    cache = packet.opaque
    if not isinstance(cache, SharedPayloads):
        return pack(packet)
    packed = cache.by_codec.get(codec)
    reused = packed is not None
    if packed is None:
        packed = pack(packet)
        cache.by_codec[codec] = packed
    if _State.observer is not None:
        _State.observer(codec, reused)
    return packed


class CachingH264Encoder(H264Encoder):
    """aiortc's H.264 encoder whose ``pack`` reuses a frame's payloads across senders."""

    def pack(self, packet: Packet[Any]) -> tuple[list[bytes], int]:
        """The frame's payloads: packed by the first sender, reused by the others."""
        return _pack_once("H264", packet, super().pack)


class CachingH265Encoder(H265Encoder):
    """Our H.265 encoder whose ``pack`` reuses a frame's payloads across senders."""

    def pack(self, packet: Packet[Any]) -> tuple[list[bytes], int]:
        """The frame's payloads: packed by the first sender, reused by the others."""
        return _pack_once("H265", packet, super().pack)


_CACHING: dict[type[Encoder], type[Encoder]] = {
    H264Encoder: CachingH264Encoder,
    H265Encoder: CachingH265Encoder,
}


def register_payload_cache(observer: PackObserver | None = None) -> None:
    """Make H.264/H.265 senders share payloads (once per process; ``observer`` replaced)."""
    _State.observer = observer
    sender: Any = rtcrtpsender
    original = sender.get_encoder
    if getattr(original, _MARK, False):
        return

    def get_encoder(codec: RTCRtpCodecParameters) -> Encoder:
        encoder: Encoder = original(codec)
        caching = _CACHING.get(type(encoder))
        return encoder if caching is None else caching()

    setattr(get_encoder, _MARK, True)
    get_encoder.__wrapped__ = original  # type: ignore[attr-defined]
    sender.get_encoder = get_encoder
