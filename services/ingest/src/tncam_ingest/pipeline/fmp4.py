"""Fragmented MP4 (CMAF) without decoding: one FFmpeg mov muxer per RTSP session.

The muxer (``frag_keyframe``) writes a fragment (moof+mdat) each time a keyframe arrives, so
after muxing keyframe K every byte written so far belongs to frames before K: a segment is
cut by taking those bytes. ``empty_moov`` puts the init segment (ftyp+moov) first; it is
split off once and sent with every segment (about 1 KB).
"""

from __future__ import annotations

import struct
from fractions import Fraction
from typing import Any

import av

# default_base_moof: fragments are self-contained (MSE, HLS fMP4); skip_trailer: no mfra box
# at the end (segments are taken out one by one, there is no file to index); cmaf: CMAF
# brands and constraints.
MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof+skip_trailer+cmaf"
INIT_BOXES = frozenset({b"ftyp", b"moov", b"free", b"styp"})
#: Codecs that can be cut into fMP4 segments without decoding.
MUXABLE = frozenset({"hevc", "h264"})


class _Sink:
    """The file object the muxer writes into: a list of chunks, no seeking (streaming)."""

    __slots__ = ("chunks", "size")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.chunks.append(chunk)
        self.size += len(chunk)
        return len(chunk)

    def take(self) -> list[bytes]:
        chunks, self.chunks = self.chunks, []
        self.size = 0
        return chunks


def split_init(data: bytes) -> tuple[bytes, bytes]:
    """Split leading ftyp/moov boxes (the init segment) from the media boxes after them."""
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        if size == 1:
            if pos + 16 > len(data):
                break
            size = struct.unpack_from(">Q", data, pos + 8)[0]
        if kind not in INIT_BOXES or size < 8 or pos + size > len(data):
            break
        pos += size
    return data[:pos], data[pos:]


def top_level_boxes(data: bytes) -> list[tuple[str, int]]:
    """(type, size) of each top-level box; for checks and tests."""
    boxes: list[tuple[str, int]] = []
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        if size == 1:
            size = struct.unpack_from(">Q", data, pos + 8)[0]
        if size < 8:
            raise ValueError(f"bad box size {size} at {pos}")
        boxes.append((kind.decode("latin-1"), size))
        pos += size
    if pos != len(data):
        raise ValueError(f"truncated box at {pos} of {len(data)}")
    return boxes


class FragmentMuxer:
    """Remuxes one video stream's packets into fMP4; hands out init and media bytes."""

    def __init__(self, template: Any, codec: str, *, time_base: Fraction | None = None) -> None:
        self._sink = _Sink()
        self._out: Any = av.open(self._sink, "w", format="mp4", options={"movflags": MOVFLAGS})
        self._stream: Any = self._out.add_stream_from_template(template)
        if time_base is not None:
            # Packets of the native client are in RTP clock units (1/90000).
            self._stream.time_base = time_base
        ctx = template.codec_context
        self.width = int(ctx.width or 0)
        self.height = int(ctx.height or 0)
        if codec == "hevc":
            # hvc1 (parameter sets in the sample entry) is what Safari/iOS play; FFmpeg's
            # default for HEVC in MP4 is hev1.
            self._stream.codec_tag = "hvc1"
        self.codec = codec
        self.init: bytes | None = None
        self.closed = False

    def mux(self, packet: Any) -> None:
        """Write one packet (in stream time base); may flush a fragment into the sink."""
        packet.stream = self._stream
        self._out.mux_one(packet)

    @property
    def pending_bytes(self) -> int:
        """Bytes flushed by the muxer and not taken yet."""
        return self._sink.size

    def take(self) -> list[bytes]:
        """The media flushed since the last take, as written (no joined copy: a segment is
        copied once, into the message); the init segment is split off the first take."""
        chunks = self._sink.take()
        if self.init is None and chunks:
            init, data = split_init(b"".join(chunks))
            if init:
                self.init = init
            chunks = [data] if data else []
        return chunks

    def close(self) -> list[bytes]:
        """Flush the last fragment and close the muxer; the remaining media."""
        if self.closed:
            return []
        self.closed = True
        try:
            self._out.close()
        except (av.FFmpegError, OSError, ValueError):
            # Nothing was muxed, or the muxer was never started: nothing to flush.
            self._sink.take()
            return []
        return self.take()
