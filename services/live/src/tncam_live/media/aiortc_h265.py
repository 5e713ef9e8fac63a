"""H.265 for aiortc: the codec entry, a passthrough encoder and a PyAV decoder (RFC 7798).

aiortc 1.16 has no H.265. ``register_h265()``, called once by whoever builds peer
connections (it is idempotent), adds it. It touches these aiortc internals, all checked
against aiortc 1.16.0 (the package pins ``aiortc>=1.16,<1.17``; a new minor version is
re-checked before the pin moves):

- ``aiortc.codecs.CODECS["video"]`` (the codec table, a list): ``video/H265`` and its
  ``video/rtx`` are appended (the next free dynamic payload types, 103/104 on the stock
  table). The existing entries, their order and payload types are untouched, so offers list
  H.265 last and a peer that does not prefer it negotiates as before.
- ``aiortc.rtcrtpsender.get_encoder`` (imported there by name from ``aiortc.codecs``):
  rebound to a wrapper that gives ``video/H265`` an ``H265Encoder`` and hands every other
  codec to the original function.
- ``aiortc.rtcrtpreceiver.get_decoder`` and ``aiortc.rtcrtpreceiver.depayload`` (imported
  there by name): wrapped the same way (``H265Decoder``, ``h265_depayload``).
- ``aiortc.rtcrtpsender.RTP_HISTORY_SIZE`` (imported there by name from ``aiortc.rtp``):
  only through ``set_retransmission_history()``, never by registration.

It relies on aiortc behaviour (not names) that is documented in ADR 0021: a track whose
``recv()`` returns an ``av.Packet`` makes the sender call ``Encoder.pack`` instead of
``encode``; the sender sets the RTP marker bit on the last payload of a frame and adds a
random origin to the timestamp ``pack`` returns; the receiver passes each payload through
``depayload`` and hands the decoder the concatenation of one timestamp's payloads (the
jitter buffer releases only runs of consecutive sequence numbers); the decoder runs in the
receiver's own thread.

Keyframe requests (PLI/FIR) only set a flag that ``encode`` reads: in passthrough the sender
cannot make a keyframe, so where a viewer starts is the live edge's decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiortc
import av
import av.error
from aiortc import rtcrtpreceiver, rtcrtpsender
from aiortc.codecs import CODECS
from aiortc.codecs.base import Decoder, Encoder
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import VIDEO_TIME_BASE, convert_timebase
from aiortc.rtcrtpparameters import RTCRtcpFeedback, RTCRtpCodecParameters
from av.frame import Frame
from av.packet import Packet

from tncam_live.media.h265_rtp import DEFAULT_MTU, PayloadError, depacketize, packetize

log = logging.getLogger("tncam.live.h265")

H265_MIME = "video/H265"
CLOCK_RATE = 90_000
#: RFC 7798 7.1: Main profile (general_profile_idc 1), Main tier, single RTP stream on a
#: single transport (SRST); without DONL, sprop-max-don-diff stays at its default 0.
FMTP: dict[str, str | int | None] = {"profile-id": 1, "tier-flag": 0, "tx-mode": "SRST"}
#: Retransmission history the live edge wants: about 1.2 MB per sender at 1200-byte payloads,
#: enough for a 1080p keyframe (~150-250 packets) and the frames after it.
LIVE_RETRANSMISSION_HISTORY = 1024
_LENGTH_SIZE = 2
_MARK = "_tncam_h265"


class PassthroughOnlyError(RuntimeError):
    """An H.265 sender was given a raw frame: this codec never encodes (passthrough only)."""


class H265Encoder(Encoder):
    """Packs pre-encoded H.265 access units (``av.Packet``, Annex-B) into RTP payloads."""

    def __init__(self, mtu: int = DEFAULT_MTU) -> None:
        self.mtu = mtu

    def encode(self, frame: Frame, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        """Refuse: sending H.265 means passing the camera's packets through."""
        raise PassthroughOnlyError(
            "H.265 is only sent as passthrough: the track must yield av.Packet, not frames"
        )

    def pack(self, packet: Packet[Any]) -> tuple[list[bytes], int]:
        """The payloads of one access unit and its timestamp in the 90 kHz RTP clock."""
        if packet.pts is None or packet.time_base is None:
            raise ValueError("an H.265 packet needs pts and time_base for its RTP timestamp")
        timestamp = convert_timebase(packet.pts, packet.time_base, VIDEO_TIME_BASE)
        return packetize(bytes(packet), self.mtu), timestamp


@dataclass
class DecoderStats:
    """What one H.265 decoder saw (read by tests and, later, the edge's metrics)."""

    access_units: int = 0
    frames: int = 0
    incomplete_fu_runs: int = 0
    malformed: int = 0
    errors: int = 0  # access units FFmpeg refused


class H265Decoder(Decoder):
    """Rebuilds each access unit from its payloads and decodes it with FFmpeg's ``hevc``."""

    def __init__(self) -> None:
        self.codec = av.CodecContext.create("hevc", "r")
        self.stats = DecoderStats()

    def decode(self, encoded_frame: JitterFrame) -> list[Frame]:
        """Frames decoded from one access unit (none if nothing usable arrived)."""
        try:
            au = depacketize(_unframe(encoded_frame.data))
        except PayloadError as exc:
            self.stats.malformed += 1
            # aiortc's decoder thread counts FFmpegError as a decode error and asks for a
            # keyframe (PLI): a malformed access unit is the same kind of loss.
            raise av.error.InvalidDataError(0, f"malformed H.265 payload: {exc}") from exc
        if au.incomplete_fu_runs:
            self.stats.incomplete_fu_runs += au.incomplete_fu_runs
            log.warning(
                "dropped %d incomplete fragmented NAL unit(s) (timestamp %d)",
                au.incomplete_fu_runs,
                encoded_frame.timestamp,
            )
        if not au.annexb:
            return []
        packet = av.Packet(au.annexb)
        packet.pts = encoded_frame.timestamp
        packet.time_base = VIDEO_TIME_BASE
        self.stats.access_units += 1
        try:
            frames: list[Frame] = list(self.codec.decode(packet))
        except av.FFmpegError:
            self.stats.errors += 1
            raise
        self.stats.frames += len(frames)
        return frames


def h265_depayload(payload: bytes) -> bytes:
    """Keep each payload whole behind a 2-byte length: the decoder needs packet boundaries.

    aiortc joins one timestamp's depayloaded bytes before decoding; fragmentation units can
    only be checked for whole runs with the payloads still apart.
    """
    return len(payload).to_bytes(_LENGTH_SIZE, "big") + payload


def _unframe(data: bytes) -> list[bytes]:
    payloads: list[bytes] = []
    pos = 0
    while pos < len(data):
        size = int.from_bytes(data[pos : pos + _LENGTH_SIZE], "big")
        pos += _LENGTH_SIZE
        if pos + size > len(data):
            raise PayloadError("framed payload is truncated")
        payloads.append(data[pos : pos + size])
        pos += size
    return payloads


def _is_h265(codec: RTCRtpCodecParameters) -> bool:
    return codec.mimeType.lower() == H265_MIME.lower()


def _wrap(original: Callable[..., Any], h265: Callable[..., Any]) -> Callable[..., Any]:
    """``original`` for every codec but H.265, marked so a second registration sees it."""
    if getattr(original, _MARK, False):
        return original

    def dispatch(codec: RTCRtpCodecParameters, *args: Any) -> Any:
        return h265(codec, *args) if _is_h265(codec) else original(codec, *args)

    setattr(dispatch, _MARK, True)
    dispatch.__wrapped__ = original  # type: ignore[attr-defined]
    return dispatch


def _check_internals() -> None:
    """Fail loudly, not subtly, if aiortc moved what this module patches."""
    missing = [
        f"{module.__name__}.{name}"
        for module, name in (
            (rtcrtpsender, "get_encoder"),
            (rtcrtpsender, "RTP_HISTORY_SIZE"),
            (rtcrtpreceiver, "get_decoder"),
            (rtcrtpreceiver, "depayload"),
        )
        if not hasattr(module, name)
    ]
    if missing or "video" not in CODECS:
        raise RuntimeError(
            f"aiortc {aiortc.__version__} lacks {missing or 'CODECS[video]'}: "
            "tncam_live.media.aiortc_h265 supports aiortc 1.16"
        )


def _codec_entries() -> list[RTCRtpCodecParameters]:
    used = {codec.payloadType for codecs in CODECS.values() for codec in codecs}
    free = [pt for pt in range(96, 128) if pt not in used and pt + 1 not in used]
    if not free:
        raise RuntimeError("no two free dynamic RTP payload types for H.265 and its RTX")
    payload_type = free[0]
    return [
        RTCRtpCodecParameters(
            mimeType=H265_MIME,
            clockRate=CLOCK_RATE,
            payloadType=payload_type,
            rtcpFeedback=[
                RTCRtcpFeedback(type="nack"),
                RTCRtcpFeedback(type="nack", parameter="pli"),
                RTCRtcpFeedback(type="goog-remb"),
            ],
            parameters=dict(FMTP),
        ),
        RTCRtpCodecParameters(
            mimeType="video/rtx",
            clockRate=CLOCK_RATE,
            payloadType=payload_type + 1,
            parameters={"apt": payload_type},
        ),
    ]


def register_h265() -> RTCRtpCodecParameters:
    """Teach aiortc H.265 (once per process; later calls change nothing); its codec entry."""
    _check_internals()
    for codec in CODECS["video"]:
        if _is_h265(codec):
            return codec
    entries = _codec_entries()
    # The sender and receiver modules imported these functions by name: rebind them there.
    sender: Any = rtcrtpsender
    receiver: Any = rtcrtpreceiver
    sender.get_encoder = _wrap(sender.get_encoder, lambda codec: H265Encoder())
    receiver.get_decoder = _wrap(receiver.get_decoder, lambda codec: H265Decoder())
    receiver.depayload = _wrap(receiver.depayload, lambda codec, payload: h265_depayload(payload))
    CODECS["video"].extend(entries)
    log.info(
        "H.265 registered with aiortc %s as payload type %d",
        aiortc.__version__,
        entries[0].payloadType,
    )
    return entries[0]


def set_retransmission_history(packets: int = LIVE_RETRANSMISSION_HISTORY) -> None:
    """Keep ``packets`` sent RTP packets per sender for retransmission (NACK); aiortc keeps 128.

    aiortc has no per-sender setting: the size is the module constant ``RTP_HISTORY_SIZE``
    that ``RTCRtpSender`` reads on every packet, so this applies to every sender of the
    process, whatever its codec (the live edge sends nothing else). Call it before the first
    sender starts: a sender that already ran keeps packets under the old size's slots. The
    receiver's NACK window (``aiortc.rtcrtpreceiver.RTP_HISTORY_SIZE``) is left alone.
    """
    if packets < 128:
        raise ValueError(f"a history of {packets} packets is below aiortc's own 128")
    _check_internals()
    sender: Any = rtcrtpsender
    sender.RTP_HISTORY_SIZE = packets
