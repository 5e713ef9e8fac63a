"""Fragmented MP4 (CMAF) without decoding: two muxers with one interface (``Muxer``).

``CmafWriter`` (what sessions use) writes the fragments itself from samples the
depacketizer already laid out as an ``mdat`` holds them; only its init segment comes from
FFmpeg. ``FragmentMuxer`` is FFmpeg's mov muxer (the muxer of the PyAV reader, removed by
ADR 0029; it still makes ``CmafWriter``'s init segment): with ``frag_keyframe`` it
writes a fragment (moof+mdat) each time a keyframe arrives, so after muxing keyframe K every
byte written so far belongs to frames before K and a segment is cut by taking those bytes.
Either way the init segment (ftyp+moov, about 1 KB, ``empty_moov``) is sent with every
segment.
"""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from typing import Any, Protocol, cast

import av

from tncam_ingest.media.picture_order import PictureOrder, presentation_times
from tncam_ingest.media.reorder import fragment_decode_times
from tncam_ingest.media.rtp import annexb
from tncam_mesh.fmp4 import find_box, fragment_head, track_of

__all__ = ["CmafWriter", "FragmentMuxer", "find_box", "split_init", "top_level_boxes", "track_of"]

# default_base_moof: fragments are self-contained (MSE, HLS fMP4); skip_trailer: no mfra box
# at the end (segments are taken out one by one, there is no file to index); cmaf: CMAF
# brands and constraints.
MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof+skip_trailer+cmaf"
INIT_BOXES = frozenset({b"ftyp", b"moov", b"free", b"styp"})
#: A piece of a segment as handed out: bytes, or a view of a sample store.
Chunk = bytes | memoryview
#: Codecs that can be cut into fMP4 segments without decoding.
MUXABLE = frozenset({"hevc", "h264"})


class Muxer(Protocol):
    """What the session's segmenter needs of a muxer (``FragmentMuxer``, ``CmafWriter``)."""

    init: bytes | None
    codec: str
    width: int
    height: int
    #: Pictures whose presentation times were put back in the order they are shown.
    retimed: int

    def mux(self, packet: Any) -> None: ...

    @property
    def pending_bytes(self) -> int: ...

    def take(self) -> list[Chunk]: ...

    def close(self) -> list[Chunk]: ...

    def seal(self, prefix: bytes, media: list[Chunk]) -> Chunk:
        """``prefix`` + ``media`` (just taken) as one message."""
        ...

    def current_gop(self) -> list[tuple[int, bool, bytes]]:
        """The samples from the newest keyframe on as (pts, keyframe, Annex-B) in decode order;
        [] if the muxer
        does not keep them (live view then starts at the next keyframe)."""
        ...


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
        self.retimed = 0  # FFmpeg's muxer keeps the times it is given
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

    def take(self) -> list[Chunk]:
        """The media flushed since the last take, as written (no joined copy: a segment is
        copied once, into the message); the init segment is split off the first take."""
        chunks: list[Chunk] = list(self._sink.take())
        if self.init is None and chunks:
            init, data = split_init(b"".join(chunks))
            if init:
                self.init = init
            chunks = [data] if data else []
        return chunks

    def close(self) -> list[Chunk]:
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

    def current_gop(self) -> list[tuple[int, bool, bytes]]:
        """FFmpeg's muxer keeps no samples to give back."""
        return []

    def seal(self, prefix: bytes, media: list[Chunk]) -> Chunk:
        """``prefix`` + ``media`` as one message (joined)."""
        return b"".join((prefix, *media))


class SampleStore(Protocol):
    """Where the samples' bytes are (the RTSP client's depacketizer)."""

    def view(self, start: int, end: int) -> memoryview: ...

    def release(self, upto: int) -> None: ...

    def prepend(self, start: int, end: int, head: bytes) -> memoryview | None: ...


class CmafWriter:
    """Writes fMP4 media fragments itself, from samples already in MP4 form in a store.

    FFmpeg's mov muxer (above) copies each packet several times (into an ``AVPacket``, its
    fragment buffer, the I/O buffer, then the Python sink) and converts Annex-B on the way.
    Here the depacketizer has already written the samples as ``mdat`` holds them; ``mux``
    only notes where each one is, a fragment is one ``moof`` built from that table, and the
    samples are joined once, by the caller, into the hand-off message. The init segment still
    comes from FFmpeg (``for_keyframe``), which parses the parameter sets into the
    ``hvcC``/``avcC`` sample entry exactly as on the PyAV path.

    Same interface as ``FragmentMuxer``: ``take`` hands out the samples before the newest
    keyframe (whole GOPs, one fragment) and releases them from the store; ``close`` the rest.
    """

    def __init__(
        self,
        init: bytes,
        codec: str,
        width: int,
        height: int,
        store: SampleStore,
        *,
        clock_rate: int = 90000,
    ) -> None:
        self.init: bytes | None = init
        self.codec = codec
        self.width = width
        self.height = height
        self.closed = False
        self._store = store
        self._track_id, self._timescale = track_of(init)
        self._clock_rate = clock_rate
        self._spans: list[tuple[int, int]] = []  # (start, end) of each sample in the store
        self._pts: list[int] = []  # presentation times (RTP), in decode (arrival) order
        self._keys: list[bool] = []
        self._size = 0
        self._gop = 0  # index of the newest keyframe
        self._pending = 0  # bytes before it
        self._sequence = 0
        self._origin: int | None = None  # decode time of the first sample: the track's zero
        self._end: int | None = None  # decode time where the last fragment ended
        self._step = clock_rate // 25  # the last sample duration seen
        self._run: tuple[int, int] | None = None  # the samples of the last fragment, if contiguous
        self._order = PictureOrder(codec == "hevc")
        self.retimed = 0

    @classmethod
    def for_keyframe(
        cls, codec: str, keyframe: bytes, time_base: Fraction, store: SampleStore
    ) -> CmafWriter:
        """A writer whose init segment FFmpeg makes from the session's first keyframe
        (Annex-B): the raw-stream demuxer parses the parameter sets, the mov muxer writes them."""
        try:
            probe: Any = av.open(io.BytesIO(keyframe), "r", format=codec)
        except av.FFmpegError as e:
            raise ValueError(f"the first {codec} keyframe cannot be parsed: {e}") from e
        try:
            if not probe.streams.video:
                raise ValueError(f"the first {codec} keyframe has no picture")
            vs = probe.streams.video[0]
            if not vs.codec_context.width:
                raise ValueError(f"the first {codec} keyframe has no picture size")
            muxer = FragmentMuxer(vs, codec, time_base=time_base)
        finally:
            probe.close()
        packet = av.Packet(keyframe)
        packet.pts = packet.dts = 0
        packet.time_base = time_base
        packet.is_keyframe = True
        muxer.mux(packet)
        muxer.close()
        if not muxer.init:
            raise ValueError(f"no init segment for the {codec} stream")
        rate = time_base.denominator // time_base.numerator
        return cls(muxer.init, codec, muxer.width, muxer.height, store, clock_rate=rate)

    def mux(self, sample: Any) -> None:
        """Add one access unit (``pts`` in the clock rate; ``start``/``end`` in the store), in
        decode order; decode times are derived per fragment (``reorder``)."""
        if sample.is_keyframe:
            self._gop = len(self._spans)
            self._pending = self._size
        self._spans.append((sample.start, sample.end))
        self._pts.append(sample.pts)
        self._keys.append(sample.is_keyframe)
        self._size += sample.end - sample.start

    @property
    def pending_bytes(self) -> int:
        """Bytes of whole GOPs (before the newest keyframe) not taken yet."""
        return self._pending

    def take(self) -> list[Chunk]:
        """One fragment with the samples before the newest keyframe: ``[moof + mdat header,
        samples...]`` as views of the store, to be joined before the next read."""
        k = self._gop
        if not k:
            return []
        chunks = self._fragment(k, self._pts[k])
        self._store.release(self._spans[k][0])
        del self._spans[:k], self._pts[:k], self._keys[:k]
        self._size -= self._pending
        self._gop = self._pending = 0
        return chunks

    def close(self) -> list[Chunk]:
        """The last fragment (every sample left); the writer is done."""
        if self.closed:
            return []
        self.closed = True
        k = len(self._spans)
        if not k:
            return []
        chunks = self._fragment(k, max(self._pts) + self._step)
        self._store.release(self._spans[-1][1])
        self._spans, self._pts, self._keys = [], [], []
        self._size = self._gop = self._pending = 0
        return chunks

    def current_gop(self) -> list[tuple[int, bool, bytes]]:
        """The samples from the newest keyframe on (still in the store: ``take`` releases only
        what lies before it), copied as Annex-B: what live view sends first (ADR 0020)."""
        k = self._gop
        if k >= len(self._keys) or not self._keys[k]:
            return []
        out: list[tuple[int, bool, bytes]] = []
        for i in range(k, len(self._spans)):
            with self._store.view(*self._spans[i]) as view:
                out.append((self._pts[i], self._keys[i], annexb(view.tobytes())))
        return out

    def _scaled(self, t: int) -> int:
        if self._timescale == self._clock_rate:
            return t
        return t * self._timescale // self._clock_rate

    def _fragment(self, k: int, end: int) -> list[Chunk]:
        """The ``moof`` + ``mdat`` header of the first ``k`` samples and views of their bytes;
        ``end`` is the presentation time that follows them (the next keyframe's)."""
        pts, keys, spans = self._presented(k), self._keys, self._spans
        # Decode order is arrival order. Without B-frames the decode times are the
        # presentation times (trun version 0, as before); with them, the presentation times
        # sorted (ADR 0024) and signed composition offsets (version 1).
        dts = fragment_decode_times(pts, self._end)
        decode = pts if dts is None else dts
        end = max(end, decode[-1] + 1)
        self._end = end
        if self._origin is None:
            self._origin = decode[0]
        origin = self._origin
        times = [self._scaled(t - origin) for t in decode]
        times.append(self._scaled(end - origin))
        if k > 1:
            self._step = max(decode[k - 1] - decode[k - 2], 1)
        samples: list[tuple[int, int, bool]] = []
        offsets: list[int] | None = None if dts is None else []
        runs: list[list[int]] = []  # contiguous runs of samples in the store
        for i in range(k):
            start, stop = spans[i]
            samples.append((times[i + 1] - times[i], stop - start, keys[i]))
            if offsets is not None:
                offsets.append(self._scaled(pts[i] - origin) - times[i])
            if runs and runs[-1][1] == start:
                runs[-1][1] = stop
            else:
                runs.append([start, stop])
        self._sequence += 1
        head = fragment_head(self._sequence, self._track_id, times[0], samples, offsets)
        self._run = (runs[0][0], runs[0][1]) if len(runs) == 1 else None
        return [head, *(self._store.view(a, b) for a, b in runs)]

    def _presented(self, k: int) -> list[int]:
        """The first ``k`` samples' presentation times, in the order their pictures are shown
        (``picture_order``): a camera clock that steps inside a run of B-frames would have
        them shown out of order. Streams without reordering cost one pass over the times."""
        pts = self._pts[:k]
        order, keys, spans = self._order, self._keys, self._spans
        found: list[tuple[int, int] | None] = []
        for i in range(k):
            if not keys[i] and not order.may_reorder:
                continue
            with self._store.view(*spans[i]) as view:
                if keys[i]:
                    order.parameter_sets(view)
                if order.may_reorder:
                    found.append(order.key(view))
        if not order.may_reorder:
            fixed = presentation_times(pts, None)  # shown in decode order
        elif len(found) == k and None not in found:
            fixed = presentation_times(pts, cast(list[tuple[int, int]], found))
        else:
            return pts  # pictures it cannot read keep the camera's times
        if fixed != pts:
            self.retimed += sum(a != b for a, b in zip(fixed, pts, strict=True))
        return fixed

    def seal(self, prefix: bytes, media: list[Chunk]) -> Chunk:
        """``prefix`` + the fragment just taken as one message: written in front of the
        samples in the store when they are contiguous and there is room (no copy of the
        samples), joined otherwise."""
        run, self._run = self._run, None
        if run is not None and len(media) == 2:
            head = media[0]
            message = self._store.prepend(run[0], run[1], b"".join((prefix, head)))
            if message is not None:
                return message
        return b"".join((prefix, *media))
