"""The order in which a camera's pictures are shown, read from the pictures themselves.

RTP carries each picture's presentation time and nothing else about its order; a camera with
B-frames sends pictures in decode order (ADR 0024). When a camera's clock steps between two
pictures of one reordered run (LIVE555 re-times its stream once, ~2 s in, by a fraction of a
frame), the presentation times no longer say the order the coded pictures are shown in, and a
recording made from them plays pictures out of order (FFmpeg: "non monotonically increasing
dts"). The bitstream says it: each picture's **picture order count** (POC), H.265 8.3.1 and
H.264 8.2.1. ``PictureOrder`` reads the few parameter-set fields the slice header needs,
then each picture's POC; the segment writer puts a fragment's presentation times back in that
order (``presentation_times``) when they disagree with it. Streams that cannot reorder
(H.265 ``sps_max_num_reorder_pics`` = 0, H.264 ``pic_order_cnt_type`` = 2: every camera
without B-frames) are shown in decode order and cost no parsing.

Only the start of a slice header is read (tens of bytes), once per picture of a reordering
stream. H.264 ``pic_order_cnt_type`` 1 (rare) is not derived: its pictures keep the camera's
times.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

_LEN = struct.Struct(">I")

#: Profiles whose H.264 SPS carries chroma format, bit depths and scaling lists (7.3.2.1.1).
_H264_HIGH = frozenset((100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135))


class _Bits:
    """An MSB-first bit reader over a NAL unit's payload, emulation prevention removed."""

    __slots__ = ("_n", "_pos", "_value")

    def __init__(self, nal: bytes | memoryview, skip: int) -> None:
        rbsp = bytes(nal[skip:]).replace(b"\x00\x00\x03", b"\x00\x00")
        self._value = int.from_bytes(rbsp, "big")
        self._n = len(rbsp) * 8
        self._pos = 0

    def u(self, n: int) -> int:
        if not n:
            return 0
        pos = self._pos + n
        if pos > self._n:
            raise ValueError("the NAL unit ends inside a field")
        self._pos = pos
        return (self._value >> (self._n - pos)) & ((1 << n) - 1)

    def ue(self) -> int:
        zeros = 0
        while not self.u(1):
            zeros += 1
            if zeros > 31:
                raise ValueError("an Exp-Golomb code longer than 32 bits")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


@dataclass(frozen=True, slots=True)
class _Sps:
    reorder: bool  # pictures may be shown in another order than decoded
    poc_lsb_bits: int
    poc_type: int = 0  # H.264 only
    frame_num_bits: int = 0  # H.264 only
    frame_mbs_only: bool = True  # H.264 only
    separate_planes: bool = False


@dataclass(frozen=True, slots=True)
class _Pps:
    sps_id: int
    output_flag: bool = False  # H.265
    extra_bits: int = 0  # H.265


def _ptl_skip(r: _Bits, sub_layers: int) -> None:
    """H.265 ``profile_tier_level(1, sub_layers)`` (7.3.3): fixed-size fields only."""
    r.u(88)
    r.u(8)
    present = [(r.u(1), r.u(1)) for _ in range(sub_layers)]
    if sub_layers:
        r.u(2 * (8 - sub_layers))
    for profile, level in present:
        r.u(88 * profile + 8 * level)


def _hevc_sps(nal: bytes | memoryview) -> tuple[int, _Sps]:
    r = _Bits(nal, 2)
    r.u(4)
    sub_layers = r.u(3)
    r.u(1)
    _ptl_skip(r, sub_layers)
    sps_id = r.ue()
    chroma = r.ue()
    separate = bool(r.u(1)) if chroma == 3 else False
    r.ue(), r.ue()  # picture width and height
    if r.u(1):  # conformance window
        r.ue(), r.ue(), r.ue(), r.ue()
    r.ue(), r.ue()  # bit depths
    lsb_bits = r.ue() + 4
    every = r.u(1)  # sub-layer ordering info for each sub-layer, or the highest only
    reorder = 0
    for _ in range(0 if every else sub_layers, sub_layers + 1):
        r.ue()
        reorder = r.ue()  # sps_max_num_reorder_pics: the highest sub-layer's is the last
        r.ue()
    return sps_id, _Sps(reorder > 0, lsb_bits, separate_planes=separate)


def _hevc_pps(nal: bytes | memoryview) -> tuple[int, _Pps]:
    r = _Bits(nal, 2)
    pps_id = r.ue()
    sps_id = r.ue()
    r.u(1)  # dependent_slice_segments_enabled_flag
    output = bool(r.u(1))
    return pps_id, _Pps(sps_id, output, r.u(3))


def _scaling_list_skip(r: _Bits, size: int) -> None:
    last = nxt = 8
    for _ in range(size):
        if nxt:
            nxt = (last + r.se() + 256) % 256
        last = nxt or last


def _avc_sps(nal: bytes | memoryview) -> tuple[int, _Sps]:
    r = _Bits(nal, 1)
    profile = r.u(8)
    r.u(16)  # constraint flags, level
    sps_id = r.ue()
    separate = False
    if profile in _H264_HIGH:
        chroma = r.ue()
        if chroma == 3:
            separate = bool(r.u(1))
        r.ue(), r.ue(), r.u(1)  # bit depths, qpprime_y_zero_transform_bypass_flag
        if r.u(1):  # seq_scaling_matrix_present_flag
            for i in range(8 if chroma != 3 else 12):
                if r.u(1):
                    _scaling_list_skip(r, 16 if i < 6 else 64)
    frame_num_bits = r.ue() + 4
    poc_type = r.ue()
    lsb_bits = 0
    if poc_type == 0:
        lsb_bits = r.ue() + 4
    elif poc_type == 1:
        r.u(1), r.se(), r.se()
        for _ in range(r.ue()):
            r.se()
    r.ue(), r.u(1), r.ue(), r.ue()  # ref frames, gaps allowed, width and height in MBs
    frame_mbs_only = bool(r.u(1))
    sps = _Sps(poc_type != 2, lsb_bits, poc_type, frame_num_bits, frame_mbs_only, separate)
    return sps_id, sps


def _avc_pps(nal: bytes | memoryview) -> tuple[int, _Pps]:
    r = _Bits(nal, 1)
    pps_id = r.ue()
    return pps_id, _Pps(r.ue())


class PictureOrder:
    """Picture order counts of one stream's pictures, fed in decode order (MP4 samples: each
    NAL unit behind its 4-byte length). Keeps the parameter sets it has seen and the previous
    picture the POC derivation refers to."""

    def __init__(self, hevc: bool) -> None:
        self.hevc = hevc
        self._sps: dict[int, _Sps] = {}
        self._pps: dict[int, _Pps] = {}
        self._seen: set[bytes] = set()  # parameter sets parsed (a camera repeats them)
        self._epoch = 0  # counts POC resets (IDR), so order keys rise across them
        self._prev_lsb = 0
        self._prev_msb = 0

    @property
    def may_reorder(self) -> bool:
        """Whether a picture may be shown in another order than decoded (B-frames), by the
        stream's sequence parameter sets; True before one was seen (not known)."""
        return not self._sps or any(s.reorder for s in self._sps.values())

    def parameter_sets(self, sample: bytes | memoryview) -> None:
        """Note the parameter sets a sample carries (a keyframe's)."""
        for kind, nal in self._nal_units(sample):
            if kind not in ((33, 34) if self.hevc else (7, 8)):
                continue
            raw = bytes(nal)
            if raw in self._seen:
                continue
            try:
                if kind == (33 if self.hevc else 7):
                    sid, sps = (_hevc_sps if self.hevc else _avc_sps)(raw)
                    self._sps[sid] = sps
                else:
                    pid, pps = (_hevc_pps if self.hevc else _avc_pps)(raw)
                    self._pps[pid] = pps
            except ValueError:
                continue  # unreadable: its pictures keep the camera's times
            if len(self._seen) > 64:
                self._seen.clear()
            self._seen.add(raw)

    def key(self, sample: bytes | memoryview) -> tuple[int, int] | None:
        """The picture's place in output order, ``(resets, POC)``; None when it cannot be read
        (no slice, unknown parameter sets, H.264 POC type 1)."""
        for kind, nal in self._nal_units(sample):
            if self.hevc and kind <= 31:
                return self._hevc_key(kind, nal)
            if not self.hevc and 1 <= kind <= 5:
                return self._avc_key(kind, nal)
        return None

    def _nal_units(self, sample: bytes | memoryview) -> list[tuple[int, memoryview]]:
        out: list[tuple[int, memoryview]] = []
        view = memoryview(sample)
        pos, end = 0, len(view)
        while pos + 5 <= end:
            n = _LEN.unpack_from(view, pos)[0]
            nal = view[pos + 4 : min(pos + 4 + n, end)]
            out.append(((nal[0] >> 1) & 0x3F if self.hevc else nal[0] & 0x1F, nal))
            pos += 4 + n
        return out

    def _msb(self, lsb: int, bits: int) -> int:
        """PicOrderCntMsb from the previous reference picture's (8-1 / 8-3)."""
        half, prev_lsb, prev_msb = 1 << (bits - 1), self._prev_lsb, self._prev_msb
        if lsb < prev_lsb and prev_lsb - lsb >= half:
            return prev_msb + (1 << bits)
        if lsb > prev_lsb and lsb - prev_lsb > half:
            return prev_msb - (1 << bits)
        return prev_msb

    def _hevc_key(self, kind: int, nal: memoryview) -> tuple[int, int] | None:
        try:
            r = _Bits(nal[:48], 2)
            if not r.u(1):  # not the picture's first slice segment
                return None
            if 16 <= kind <= 23:
                r.u(1)  # no_output_of_prior_pics_flag
            pps = self._pps.get(r.ue())
            sps = self._sps.get(pps.sps_id) if pps is not None else None
            if pps is None or sps is None:
                return None
            r.u(pps.extra_bits)
            r.ue()  # slice_type
            r.u(int(pps.output_flag) + 2 * int(sps.separate_planes))
            lsb = 0 if kind in (19, 20) else r.u(sps.poc_lsb_bits)
        except ValueError:
            return None
        if 16 <= kind <= 20:  # IDR and BLA: the count starts again
            self._epoch += 1
            msb = 0
        else:
            msb = self._msb(lsb, sps.poc_lsb_bits)
        temporal_id = (nal[1] & 7) - 1
        # The next picture's reference: TemporalId 0, not a leading or sub-layer non-ref one.
        if temporal_id == 0 and not 6 <= kind <= 9 and not (kind <= 14 and kind % 2 == 0):
            self._prev_lsb, self._prev_msb = lsb, msb
        return self._epoch, msb + lsb

    def _avc_key(self, kind: int, nal: memoryview) -> tuple[int, int] | None:
        try:
            r = _Bits(nal[:48], 1)
            r.ue(), r.ue()  # first_mb_in_slice, slice_type
            pps = self._pps.get(r.ue())
            sps = self._sps.get(pps.sps_id) if pps is not None else None
            if sps is None or sps.poc_type != 0:
                return None
            r.u(2 * int(sps.separate_planes))
            r.u(sps.frame_num_bits)
            if not sps.frame_mbs_only and r.u(1):  # field_pic_flag
                r.u(1)
            if kind == 5:
                r.ue()  # idr_pic_id
            lsb = r.u(sps.poc_lsb_bits)
        except ValueError:
            return None
        if kind == 5:
            self._epoch += 1
            self._prev_lsb = self._prev_msb = 0
        msb = self._msb(lsb, sps.poc_lsb_bits)
        if nal[0] & 0x60:  # nal_ref_idc: a reference picture is the next one's reference
            self._prev_lsb, self._prev_msb = lsb, msb
        return self._epoch, msb + lsb


def presentation_times(pts: Sequence[int], keys: Sequence[tuple[int, int]] | None) -> list[int]:
    """``pts`` (decode order) put in the pictures' output order: unchanged when they already
    rise in it, else the same times sorted and given out in that order, each at least one
    tick after the one before. ``keys``: each picture's place in output order, None when
    pictures are shown in decode order (no reordering)."""
    order = range(len(pts)) if keys is None else sorted(range(len(pts)), key=keys.__getitem__)
    prev: int | None = None
    for i in order:
        if prev is not None and pts[i] <= prev:
            break
        prev = pts[i]
    else:
        return list(pts)
    out = list(pts)
    prev = None
    for i, t in zip(order, sorted(pts), strict=True):
        if prev is not None and t <= prev:
            t = prev + 1
        out[i] = prev = t
    return out
