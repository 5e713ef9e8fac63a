"""RTP over interleaved TCP -> access units in MP4 sample form (RFC 6184 H.264, RFC 7798 H.265).

The hot path's inner loop: one loop per read batch, a few bytes operations per RTP packet,
the samples laid out once, exactly as the fMP4 ``mdat`` holds them. It never decodes.
"""

from __future__ import annotations

import struct

START = b"\x00\x00\x00\x01"
_HDR = struct.Struct(">HI")
_LEN = struct.Struct(">I")
#: Free bytes kept in front of each segment's samples for the message's header (metadata,
#: init segment, moof): the samples then become the message in place, without a copy.
HEADROOM = 16 * 1024
_FU_HEAD = struct.Struct(">IBB")  # length (patched later) and the 2-byte H.265 NAL header
_SR = struct.Struct(">IIII")  # sender SSRC, NTP seconds, NTP fraction, RTP timestamp
#: Seconds from the NTP epoch (1900) to the Unix epoch (1970).
NTP_UNIX_OFFSET = 2_208_988_800


class RtspProtocolError(ValueError):
    """The peer does not speak RTSP/RTP as expected (garbage, unsupported stream)."""


class AccessUnit:
    """One coded picture: its bytes ``[start, end)`` in the depacketizer's sample buffer (MP4
    sample form: each NAL unit behind its 4-byte length) and its RTP timestamp extended to 64
    bits, which is its **presentation** time. Pictures arrive in decode order; a camera with
    B-frames sends them out of presentation order, and no decode time travels in RTP: the
    writer and the live tap derive one (``media.reorder``, ADR 0024), so ``dts`` is None."""

    __slots__ = ("end", "is_keyframe", "pts", "start", "store")

    #: Not known on arrival (see the class docstring).
    dts: int | None = None

    def __init__(
        self, pts: int, is_keyframe: bool, store: _Depacketizer, start: int, end: int
    ) -> None:
        self.pts = pts
        self.is_keyframe = is_keyframe
        self.store = store
        self.start = start
        self.end = end

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def data(self) -> bytes:
        """A copy of the sample (valid until the writer releases it)."""
        with self.store.view(self.start, self.end) as view:
            return view.tobytes()

    def __bytes__(self) -> bytes:
        """Annex-B (start codes), as decoders and FFmpeg's raw demuxers read it."""
        return annexb(self.data)


def annexb(sample: bytes) -> bytes:
    """MP4 sample form (4-byte NAL lengths) -> Annex-B (4-byte start codes)."""
    parts: list[bytes] = []
    pos, end = 0, len(sample)
    while pos + 4 <= end:
        n = _LEN.unpack_from(sample, pos)[0]
        parts += (START, sample[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return b"".join(parts)


def parameter_sets(sample: bytes, hevc: bool) -> tuple[bytes, ...]:
    """The parameter sets (VPS/SPS/PPS or SPS/PPS) inside an access unit in MP4 sample form:
    a camera whose SDP has no ``sprop-*`` sends them in band, in front of its keyframes."""
    found: list[bytes] = []
    pos, end = 0, len(sample)
    while pos + 5 <= end:
        n = _LEN.unpack_from(sample, pos)[0]
        t = (sample[pos + 4] >> 1) & 0x3F if hevc else sample[pos + 4] & 0x1F
        if (32 <= t <= 34) if hevc else t in (7, 8):
            found.append(sample[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return tuple(found)


class _Depacketizer:
    """Interleaved RTP of one stream -> access units in MP4 sample form, in one buffer.

    ``feed`` takes every complete interleaved frame of a read batch in one loop (no call per
    packet). Each NAL unit or fragment is appended once to one growing buffer, behind a
    4-byte length (patched when a fragmented unit ends), so the buffer holds the samples
    exactly as an fMP4 ``mdat`` does: the segment writer frames them with a ``moof`` and joins
    them once, into the hand-off message, then ``release``s them. The buffer is then replaced
    by a copy of what follows (the next segment's first keyframe): it is one large allocation
    per segment, given back whole to the kernel, so the heap does not fragment.

    Positions (``AccessUnit.start``/``end``, ``view``, ``release``) count bytes since the
    session started; ``base`` is the position of ``buf[0]``.
    """

    def __init__(self, hevc: bool, parameter_sets: tuple[bytes, ...], channel: int = 0) -> None:
        self.hevc = hevc
        self.channel = channel
        self._ps_prefix = b"".join(_LEN.pack(len(ps)) + ps for ps in parameter_sets)
        self.buf = bytearray(HEADROOM)
        self.base = -HEADROOM
        self._released = 0
        self._sealed = 0  # index in ``buf`` up to which bytes are handed out as a message
        self._au = HEADROOM  # where the access unit being assembled starts in ``buf``
        self._nal = -1  # where the length of the fragmented NAL unit being assembled goes
        self.ext_ts = 0
        self.last_raw_ts: int | None = None
        self.keyframe = False
        self.damaged = False
        self.has_ps = False
        self.next_seq: int | None = None
        self.gaps = 0
        #: Access units dropped: damaged by lost packets, or after one up to the next keyframe.
        self.dropped = 0
        #: Pictures sent twice with one timestamp (a server re-sending one): the repeat dropped.
        self.repeated = 0
        self._last_pts: int | None = None  # the timestamp of the last access unit handed out
        #: A picture was lost: what follows refers to it, so drop up to the next keyframe.
        self.resync = False
        #: The camera's clock from its newest RTCP sender report: (Unix seconds, extended RTP
        #: timestamp) of the same instant; None until one arrived.
        self.sender_clock: tuple[float, int] | None = None
        #: A sender report before the first RTP packet (Unix seconds, raw RTP timestamp): its
        #: timestamp is anchored when that packet comes (many cameras report first).
        self._early_report: tuple[float, int] | None = None
        self.clock_rate = 90_000

    def capture_time(self, pts: int) -> float:
        """When the camera captured the picture of (extended) timestamp ``pts``, Unix seconds
        on the camera's clock; 0.0 before its first sender report."""
        clock = self.sender_clock
        if clock is None:
            return 0.0
        return clock[0] + (pts - clock[1]) / self.clock_rate

    def _rtcp(self, buf: bytes | bytearray | memoryview, i: int, end: int) -> None:
        """A compound RTCP packet from the camera: note its sender report, if any (rare: one
        every few seconds, so not in the per-packet loop's way)."""
        while i + 4 <= end:
            pt, words = buf[i + 1], (buf[i + 2] << 8) | buf[i + 3]
            if buf[i] >> 6 != 2:
                return
            if pt == 200 and i + 20 <= end:  # sender report
                _ssrc, sec, frac, raw = _SR.unpack_from(buf, i + 4)
                unix = sec - NTP_UNIX_OFFSET + frac / 2**32
                if self.last_raw_ts is None:
                    self._early_report = (unix, raw)  # anchored at the first RTP packet
                    return
                self.sender_clock = (unix, self.ext_ts + _ts_delta(raw, self.last_raw_ts))
                return
            i += 4 * (words + 1)

    def view(self, start: int, end: int) -> memoryview:
        """The bytes at positions ``[start, end)`` (release the view before the next feed)."""
        return memoryview(self.buf)[start - self.base : end - self.base]

    def release(self, upto: int) -> None:
        """Everything before position ``upto`` has been handed out: drop it at the next feed."""
        self._released = max(self._released, upto)

    def prepend(self, start: int, end: int, head: bytes) -> memoryview | None:
        """Write ``head`` into the free bytes just before position ``start`` and return one
        view of ``head`` + ``[start, end)``: a message without copying the samples. None when
        there is no room (the caller joins instead)."""
        i = start - self.base
        if i - len(head) < self._sealed or end - self.base > len(self.buf):
            return None
        self.buf[i - len(head) : i] = head
        self._sealed = end - self.base
        return memoryview(self.buf)[i - len(head) : end - self.base]

    def _compact(self) -> None:
        # The next segment's bytes go to a new buffer behind fresh headroom; the old buffer
        # lives on only as long as the message made of it.
        cut = self._released - self.base
        buf = bytearray(HEADROOM)
        with memoryview(self.buf) as old:
            buf += old[cut:]
        self.buf = buf
        self.base = self._released - HEADROOM
        self._sealed = 0
        self._au += HEADROOM - cut
        if self._nal >= 0:
            self._nal += HEADROOM - cut

    def _flush(self, out: list[AccessUnit]) -> None:
        ab, au = self.buf, self._au
        key = self.keyframe
        ts = self.ext_ts if self.last_raw_ts is not None else None
        damaged = self.damaged or self._nal >= 0  # lost packets, or a fragment never ended
        has_ps = self.has_ps
        self._nal, self.keyframe, self.damaged, self.has_ps = -1, False, False, False
        if len(ab) == au:
            return
        if damaged or ts is None or (self.resync and not key):
            # A damaged picture, or one that refers to a picture lost before it: the rest of
            # its GOP cannot be decoded right, so nothing is recorded up to the next keyframe.
            del ab[au:]
            self.dropped += 1
            self.resync = True
            return
        self.resync = False
        if ts == self._last_pts and self._starts_picture(au):
            # The picture handed out last, sent again: a second coded picture at one instant
            # is a repeat (a decoder's "Duplicate POC"), not a discontinuity; it is dropped
            # here, before the segmenter and the live tap see it.
            del ab[au:]
            self.repeated += 1
            return
        self._last_pts = ts
        if key and not has_ps and self._ps_prefix:
            # Parameter sets out of band only (SDP): put them in front of each keyframe so
            # every segment (and a snapshot decoder) can start there.
            ab[au:au] = self._ps_prefix
        self._au = len(ab)
        out.append(AccessUnit(ts, key, self, self.base + au, self.base + self._au))

    def _starts_picture(self, au: int) -> bool:
        """Whether the access unit at ``buf[au:]`` starts a coded picture: its first slice
        has ``first_slice_segment_in_pic_flag`` (H.265) set, or ``first_mb_in_slice`` = 0
        (H.264). A later slice of the picture before it (a camera that marks every slice)
        does not. Only read when a timestamp repeats: off the hot path."""
        ab, hevc = self.buf, self.hevc
        pos, end = au, len(ab)
        head = 2 if hevc else 1
        while pos + 4 + head < end:
            n = _LEN.unpack_from(ab, pos)[0]
            t = (ab[pos + 4] >> 1) & 0x3F if hevc else ab[pos + 4] & 0x1F
            if (t <= 31) if hevc else 1 <= t <= 5:  # a slice (VCL NAL unit)
                return n > head and ab[pos + 4 + head] & 0x80 != 0
            pos += 4 + n
        return False

    def push(self, pkt: bytes | memoryview) -> AccessUnit | None:
        """One RTP packet; the access unit it completed, if any (for tests and tools)."""
        out: list[AccessUnit] = []
        frame = b"".join((bytes((0x24, self.channel)), _LEN.pack(len(pkt))[2:], pkt))
        self.feed(frame, 0, len(frame), out)
        return out[-1] if out else None

    # long: the per-packet loop of the hot path, inline on purpose (a call per packet costs CPU)
    def feed(self, buf: bytes | bytearray, pos: int, fill: int, out: list[AccessUnit]) -> int:
        """Depacketize the complete interleaved frames in ``buf[pos:fill]``, appending finished
        access units to ``out``; returns where it stopped (an RTSP message or a partial frame)."""
        if self._released - self.base > HEADROOM:
            self._compact()
        hevc, channel, unpack = self.hevc, self.channel, _HDR.unpack_from
        ab = self.buf
        with memoryview(buf) as view:
            while fill - pos >= 4:
                if buf[pos] != 0x24:
                    break
                end = pos + 4 + ((buf[pos + 2] << 8) | buf[pos + 3])
                if end > fill:
                    break
                if buf[pos + 1] != channel:
                    if buf[pos + 1] == channel + 1:  # RTCP
                        self._rtcp(buf, pos + 4, end)
                    pos = end
                    continue
                p, pos = pos + 4, end
                b0 = buf[p]
                if end - p < 12 or b0 >> 6 != 2:
                    raise RtspProtocolError("not an RTP packet")
                i = p + 12
                if b0 != 0x80:  # CSRCs, header extension, padding
                    i += 4 * (b0 & 0x0F)
                    if b0 & 0x10:
                        if end < i + 4:
                            raise RtspProtocolError("truncated RTP extension")
                        i += 4 + 4 * ((buf[i + 2] << 8) | buf[i + 3])
                    if b0 & 0x20:
                        end -= buf[end - 1]
                seq, raw_ts = unpack(buf, p + 2)
                if seq != self.next_seq and self.next_seq is not None:
                    self.gaps += 1
                    self.damaged = True  # a lost packet breaks the picture being assembled
                self.next_seq = (seq + 1) & 0xFFFF
                if raw_ts != self.last_raw_ts:
                    if self.last_raw_ts is None:
                        self.ext_ts = raw_ts
                        if self._early_report is not None:
                            unix, raw = self._early_report
                            self.sender_clock = (unix, raw_ts + _ts_delta(raw, raw_ts))
                    else:
                        delta = (raw_ts - self.last_raw_ts) & 0xFFFFFFFF
                        if delta >= 0x80000000:
                            delta -= 0x100000000
                        if len(ab) != self._au:
                            self._flush(out)  # a new timestamp without a marker: the AU ended
                        self.ext_ts += delta
                    self.last_raw_ts = raw_ts
                if end - i >= 3:
                    if hevc:
                        t = (buf[i] >> 1) & 0x3F
                        if t == 49:  # fragmentation unit
                            fu = buf[i + 2]
                            if fu & 0x80:
                                if self._nal >= 0:
                                    self.damaged = True  # the previous unit never ended
                                ftype = fu & 0x3F
                                self._nal = len(ab)
                                ab += _FU_HEAD.pack(0, (buf[i] & 0x81) | (ftype << 1), buf[i + 1])
                                if 16 <= ftype <= 21:
                                    self.keyframe = True
                                elif 32 <= ftype <= 34:
                                    self.has_ps = True
                            if self._nal < 0:
                                self.damaged = True  # a fragment without its start
                            else:
                                ab += view[i + 3 : end]
                                if fu & 0x40:
                                    _LEN.pack_into(ab, self._nal, len(ab) - self._nal - 4)
                                    self._nal = -1
                        elif t < 48:
                            self._single(view, i, end, t)
                        elif t == 48:  # aggregation packet
                            self._aggregate(view, i + 2, end)
                    else:
                        t = buf[i] & 0x1F
                        if t == 28:  # FU-A
                            fu = buf[i + 1]
                            if fu & 0x80:
                                if self._nal >= 0:
                                    self.damaged = True
                                ftype = fu & 0x1F
                                self._nal = len(ab)
                                ab += _LEN.pack(0)
                                ab.append((buf[i] & 0xE0) | ftype)
                                if ftype == 5:
                                    self.keyframe = True
                                elif ftype in (7, 8):
                                    self.has_ps = True
                            if self._nal < 0:
                                self.damaged = True  # a fragment without its start
                            else:
                                ab += view[i + 2 : end]
                                if fu & 0x40:
                                    _LEN.pack_into(ab, self._nal, len(ab) - self._nal - 4)
                                    self._nal = -1
                        elif 1 <= t <= 23:
                            self._single(view, i, end, t)
                        elif t == 24:  # STAP-A
                            self._aggregate(view, i + 1, end)
                if buf[p + 1] & 0x80:  # marker: the last packet of the access unit
                    self._flush(out)
        return pos

    def _single(self, view: memoryview, i: int, end: int, t: int) -> None:
        """One whole NAL unit in the packet."""
        self.buf += _LEN.pack(end - i)
        self.buf += view[i:end]
        if (16 <= t <= 21) if self.hevc else t == 5:
            self.keyframe = True
        elif (32 <= t <= 34) if self.hevc else t in (7, 8):
            self.has_ps = True

    def _aggregate(self, view: memoryview, i: int, end: int) -> None:
        """Several NAL units in the packet, each behind a 16-bit size (AP / STAP-A)."""
        while i + 2 <= end:
            k = (view[i] << 8) | view[i + 1]
            if k and i + 2 + k <= end:
                first = view[i + 2]
                self._single(
                    view, i + 2, i + 2 + k, (first >> 1) & 0x3F if self.hevc else first & 0x1F
                )
            i += 2 + k


def _ts_delta(raw: int, ref: int) -> int:
    """``raw - ref`` of two 32-bit RTP timestamps, across a wrap (the nearer way round)."""
    delta = (raw - ref) & 0xFFFFFFFF
    return delta - 0x100000000 if delta >= 0x80000000 else delta
