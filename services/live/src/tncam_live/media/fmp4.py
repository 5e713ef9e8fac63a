"""Fragmented MP4 for MediaSource viewers (ADR 0023): an init segment, then one fragment per
access unit.

The init segment (``ftyp`` + ``moov`` with the ``avcC``/``hvcC`` sample entry) is written by
FFmpeg's mov muxer from a keyframe, which parses the parameter sets (the way ingest makes
its init segments); H.265 is tagged ``hvc1`` (parameter sets in the sample entry, what
Safari and Chrome's MSE accept). The fragments are built here: one ``moof`` (one sample, its
duration, size and sync flag) and an ``mdat`` with the access unit as length-prefixed NAL
units, parameter sets and access unit delimiters left out (they are in the init segment; a
keyframe whose parameter sets differ from the init's needs a new init segment first).

``sample_of`` is what every MSE viewer of a frame shares (computed once per frame, cached
on the frame's ``SharedPayloads``); ``fragment`` is a few dozen bytes per viewer.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av

from tncam_mesh.fmp4 import find_box, fragment_head, track_of

__all__ = ["InitSegment", "Sample", "find_box", "fragment", "init_segment", "sample_of"]

# Parameter sets and access unit delimiters, by codec: kept out of the samples.
_H264_OUT = frozenset({7, 8, 9})  # SPS, PPS, AUD
_H264_PS = frozenset({7, 8})
_HEVC_OUT = frozenset({32, 33, 34, 35})  # VPS, SPS, PPS, AUD
_HEVC_PS = frozenset({32, 33, 34})
_MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof+skip_trailer+cmaf"
_INIT_BOXES = frozenset({b"ftyp", b"moov"})


def nal_units(annexb: bytes) -> list[bytes]:
    """The NAL units of an Annex-B access unit (3- or 4-byte start codes)."""
    units: list[bytes] = []
    start = annexb.find(b"\x00\x00\x01")
    while start >= 0:
        begin = start + 3
        nxt = annexb.find(b"\x00\x00\x01", begin)
        end = len(annexb) if nxt < 0 else nxt
        unit = annexb[begin:end]
        if nxt >= 0:
            unit = unit.rstrip(b"\x00")  # the next start code's leading zero(s)
        if unit:
            units.append(unit)
        start = nxt
    return units


def _nal_type(codec: str, unit: bytes) -> int:
    return (unit[0] >> 1) & 0x3F if codec == "hevc" else unit[0] & 0x1F


@dataclass(frozen=True, slots=True)
class Sample:
    """An access unit as an ``mdat`` holds it, and the parameter sets it carried."""

    data: bytes
    parameter_sets: tuple[bytes, ...]


def sample_of(codec: str, annexb: bytes) -> Sample:
    """Length-prefixed NAL units without parameter sets or delimiters (``codec``: h264|hevc)."""
    drop, sets = (_HEVC_OUT, _HEVC_PS) if codec == "hevc" else (_H264_OUT, _H264_PS)
    parts: list[bytes] = []
    ps: list[bytes] = []
    for unit in nal_units(annexb):
        kind = _nal_type(codec, unit)
        if kind in sets:
            ps.append(unit)
        if kind not in drop:
            parts += (struct.pack(">I", len(unit)), unit)
    return Sample(b"".join(parts), tuple(ps))


@dataclass(frozen=True, slots=True)
class InitSegment:
    """``ftyp`` + ``moov``, its track, and the MIME type for ``addSourceBuffer``."""

    data: bytes
    track_id: int
    timescale: int
    codecs: str

    @property
    def mime_type(self) -> str:
        """e.g. ``video/mp4; codecs="avc1.64001f"``."""
        return f'video/mp4; codecs="{self.codecs}"'


class _Sink:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: Any) -> int:
        self.data += bytes(data)
        return len(data)


def init_segment(codec: str, keyframe: bytes) -> InitSegment:
    """The init segment of a stream starting at ``keyframe`` (Annex-B with its parameter
    sets); CPU work (FFmpeg parses the keyframe): call it off the event loop."""
    try:
        probe: Any = av.open(io.BytesIO(keyframe), "r", format=codec)
    except av.FFmpegError as e:
        raise ValueError(f"the {codec} keyframe cannot be parsed: {e}") from e
    sink = _Sink()
    try:
        if not probe.streams.video or not probe.streams.video[0].codec_context.width:
            raise ValueError(f"the {codec} keyframe has no picture size")
        out: Any = av.open(sink, "w", format="mp4", options={"movflags": _MOVFLAGS})
        stream = out.add_stream_from_template(probe.streams.video[0])
        stream.time_base = Fraction(1, 90_000)
        if codec == "hevc":
            stream.codec_tag = "hvc1"
        packet = av.Packet(keyframe)
        packet.pts = packet.dts = 0
        packet.time_base = Fraction(1, 90_000)
        packet.is_keyframe = True
        packet.stream = stream
        out.mux_one(packet)
        out.close()
    finally:
        probe.close()
    data = _leading_init(bytes(sink.data))
    return InitSegment(data, *track_of(data), _codecs_of(codec, data))


def _leading_init(data: bytes) -> bytes:
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        if kind not in _INIT_BOXES or size < 8:
            break
        pos += size
    if pos == 0:
        raise ValueError("FFmpeg wrote no init segment")
    return data[:pos]


def _codecs_of(codec: str, init: bytes) -> str:
    """The RFC 6381 codecs string from the sample entry's configuration record."""
    stsd = find_box(init, b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd")
    if stsd is None:
        raise ValueError("the init segment has no sample description")
    entry = stsd[8:]  # version/flags, entry count
    kind = b"hvcC" if codec == "hevc" else b"avcC"
    at = entry.find(kind)
    if at < 0:
        raise ValueError(f"the init segment has no {kind.decode()}")
    record = entry[at + 4 :]
    if codec != "hevc":
        return f"avc1.{record[1]:02x}{record[2]:02x}{record[3]:02x}"
    return hevc_codecs(record)


def hevc_codecs(hvcc: bytes) -> str:
    """``hvc1.<space><profile>.<compat>.<tier><level>.<constraints>`` (ISO 14496-15 E.3)."""
    space = "" if hvcc[1] >> 6 == 0 else "ABC"[(hvcc[1] >> 6) - 1]
    tier = "H" if hvcc[1] & 0x20 else "L"
    profile = hvcc[1] & 0x1F
    compat = int("{:032b}".format(struct.unpack_from(">I", hvcc, 2)[0])[::-1], 2)
    constraints = list(hvcc[6:12])
    while constraints and constraints[-1] == 0:
        constraints.pop()
    tail = "".join(f".{c:02X}" for c in constraints)
    return f"hvc1.{space}{profile}.{compat:X}.{tier}{hvcc[12]}{tail}"


def fragment(
    sequence: int, init: InitSegment, decode_time: int, duration: int, sample: Sample, sync: bool
) -> bytes:
    """``moof`` + ``mdat`` of one sample; times in 90 kHz units."""
    scale = init.timescale
    if scale != 90_000:
        decode_time = decode_time * scale // 90_000
        duration = duration * scale // 90_000
    head = fragment_head(sequence, init.track_id, decode_time, [(duration, len(sample.data), sync)])
    return head + sample.data
