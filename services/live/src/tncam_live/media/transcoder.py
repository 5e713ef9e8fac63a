"""H.265 -> H.264 for viewers that cannot decode H.265: PyAV's ``hevc`` and ``libx264``.

One :class:`H264Transcoder` per camera stream, shared by all its transcode viewers (the
fan-out feeds it, ADR 0022). Its methods block (FFmpeg decodes and encodes): the caller runs
them in the transcode's own thread, never on the event loop. Output is zero-latency
(``tune=zerolatency``: one picture in, one out, no B-frames), constrained baseline so every
browser decodes it, scaled down to ``max_height``, with an IDR at least every
``keyframe_interval_s`` (forced by time, whatever the camera's frame rate), SPS/PPS in band
in front of every IDR. libx264 is told the camera's frame rate: on a 90 kHz time base alone
it would assume 90,000 frames/s and starve every frame of bits (a smear of ~25-byte frames).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
import av.error
from av.video.codeccontext import VideoCodecContext
from av.video.frame import PictureType, VideoFrame

from tncam_live.media.payload_cache import LiveFrame, live_frame

log = logging.getLogger("tncam.live.transcode")

TIME_BASE = Fraction(1, 90_000)
CLOCK_RATE = 90_000
#: Frame rate told to libx264 when the camera's is not known yet.
DEFAULT_FRAME_RATE = 25


@dataclass(frozen=True, slots=True)
class TranscodeOptions:
    """libx264's settings for a camera's shared transcode."""

    preset: str = "veryfast"
    keyframe_interval_s: float = 1.0
    max_height: int = 720
    bitrate: int = 1_500_000


def output_size(width: int, height: int, max_height: int) -> tuple[int, int]:
    """The encoded picture size: at most ``max_height`` lines, aspect kept, both even."""
    if height > max_height:
        width, height = round(width * max_height / height), max_height
    return max(2, width - width % 2), max(2, height - height % 2)


class H264Transcoder:
    """Decodes a camera's H.265 access units and encodes them as H.264 (blocking calls)."""

    def __init__(self, options: TranscodeOptions, frame_rate: float | None = None) -> None:
        self.options = options
        rate = DEFAULT_FRAME_RATE if frame_rate is None else frame_rate
        self.frame_rate = Fraction(max(1, min(120, round(rate))), 1)
        self._decoder = av.CodecContext.create("hevc", "r")
        self._encoder: VideoCodecContext | None = None
        self._size: tuple[int, int] | None = None
        self._last_idr: int | None = None
        self.decode_errors = 0
        self.frames_out = 0

    def transcode(self, data: bytes, pts: int) -> list[LiveFrame]:
        """H.264 frames for one H.265 access unit stamped ``pts`` (90 kHz); may be none."""
        packet = av.Packet(data)
        packet.pts = pts
        packet.time_base = TIME_BASE
        try:
            pictures: list[Any] = list(self._decoder.decode(packet))
        except av.error.FFmpegError as exc:
            self.decode_errors += 1
            log.warning("H.265 access unit at %d did not decode: %s", pts, exc)
            return []
        out: list[LiveFrame] = []
        for picture in pictures:
            out.extend(self._encode(picture, pts))
        return out

    def _encode(self, picture: VideoFrame, pts: int) -> list[LiveFrame]:
        encoder = self._encoder_for(picture)
        assert self._size is not None
        width, height = self._size
        frame = picture
        if (picture.width, picture.height) != (width, height) or picture.format.name != "yuv420p":
            frame = picture.reformat(width=width, height=height, format="yuv420p")
        frame.pts = pts
        frame.time_base = TIME_BASE
        interval = self.options.keyframe_interval_s * CLOCK_RATE
        if self._last_idr is None or pts - self._last_idr >= interval or pts < self._last_idr:
            frame.pict_type = PictureType.I
            self._last_idr = pts
        else:
            frame.pict_type = PictureType.NONE
        frames = [
            live_frame(bytes(p), pts if p.pts is None else int(p.pts), bool(p.is_keyframe))
            for p in encoder.encode(frame)
        ]
        self.frames_out += len(frames)
        return frames

    def _encoder_for(self, picture: VideoFrame) -> VideoCodecContext:
        size = output_size(picture.width, picture.height, self.options.max_height)
        if self._encoder is not None and size == self._size:
            return self._encoder
        # First picture, or the camera's picture size changed: a new encoder (its first
        # picture is an IDR).
        encoder = av.CodecContext.create("libx264", "w")
        assert isinstance(encoder, VideoCodecContext)
        encoder.width, encoder.height = size
        encoder.pix_fmt = "yuv420p"
        encoder.time_base = TIME_BASE
        encoder.framerate = self.frame_rate
        encoder.bit_rate = self.options.bitrate
        encoder.gop_size = 10_000  # IDRs are forced by time (see _encode)
        encoder.options = {
            "preset": self.options.preset,
            "tune": "zerolatency",
            "profile": "baseline",
            "forced-idr": "1",
        }
        encoder.open()
        if self._size is not None:
            log.info("camera picture size changed: encoder reopened at %dx%d", *size)
        self._encoder, self._size, self._last_idr = encoder, size, None
        return encoder
