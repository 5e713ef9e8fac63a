"""The native path's fMP4 writer: fragments built from the depacketizer's sample buffer."""

from __future__ import annotations

import struct

from tncam_ingest.media.fmp4 import CmafWriter, find_box, top_level_boxes, track_of
from tncam_ingest.media.rtp import HEADROOM, _Depacketizer

FU = bytes(((49 << 1), 0x01))


def rtp(seq: int, ts: int, payload: bytes, *, marker: bool = False) -> bytes:
    return struct.pack(">BBHII", 0x80, (0x80 if marker else 0) | 96, seq & 0xFFFF, ts, 1) + payload


def init_segment(track_id: int = 1, timescale: int = 90000) -> bytes:
    """A minimal ftyp + moov with the two fields the writer reads (tkhd, mdhd, version 0)."""

    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(body), kind) + body

    tkhd = box(b"tkhd", bytes(4) + bytes(8) + struct.pack(">I", track_id) + bytes(68))
    mdhd = box(b"mdhd", bytes(4) + bytes(8) + struct.pack(">I", timescale) + bytes(8))
    trak = box(b"trak", tkhd + box(b"mdia", mdhd))
    return box(b"ftyp", b"iso6\x00\x00\x02\x00iso6cmfc") + box(b"moov", trak)


class Camera:
    """Packets of a synthetic H.265 stream: a keyframe (3 fragments) every ``gop`` frames."""

    def __init__(self, dep: _Depacketizer, gop: int = 3) -> None:
        self.dep, self.gop, self.seq, self.frame = dep, gop, 0, 0

    def packets(self) -> list[bytes]:
        ts = self.frame * 3600
        key = self.frame % self.gop == 0
        self.frame += 1
        out: list[bytes] = []
        if key:
            body = bytes([self.frame % 251]) * 3000
            parts = [body[:1000], body[1000:2000], body[2000:]]
            for i, part in enumerate(parts):
                flag = 0x80 if i == 0 else (0x40 if i == 2 else 0)
                out.append(rtp(self.seq, ts, FU + bytes((flag | 19,)) + part, marker=i == 2))
                self.seq += 1
        else:
            body = b"\x02\x01" + bytes([self.frame % 251]) * 500
            out.append(rtp(self.seq, ts, body, marker=True))
            self.seq += 1
        return out

    def batch(self, frames: int) -> bytes:
        return b"".join(
            b"$\x00" + struct.pack(">H", len(p)) + p for _ in range(frames) for p in self.packets()
        )


def boxes(data: bytes) -> list[str]:
    return [kind for kind, _ in top_level_boxes(data)]


def trun_entries(fragment: bytes) -> tuple[int, list[tuple[int, int, int]]]:
    """(tfdt base decode time, [(duration, size, flags)]) of a one-fragment segment."""
    tfdt = find_box(fragment, b"moof", b"traf", b"tfdt")
    trun = find_box(fragment, b"moof", b"traf", b"trun")
    assert tfdt is not None
    assert trun is not None
    count = struct.unpack_from(">I", trun, 4)[0]
    rows = [struct.unpack_from(">III", trun, 12 + 12 * i) for i in range(count)]
    return struct.unpack_from(">Q", tfdt, 4)[0], rows


def test_track_of_reads_track_id_and_timescale() -> None:
    assert track_of(init_segment(7, 1000)) == (7, 1000)


def test_fragments_carry_every_sample_once_with_durations_and_sync_flags() -> None:
    dep = _Depacketizer(True, ())
    cam = Camera(dep)
    writer = CmafWriter(init_segment(), "hevc", 320, 240, dep)
    out: list = []
    batch = cam.batch(7)  # frames 0-6
    dep.feed(batch, 0, len(batch), out)
    for au in out:
        writer.mux(au)
    # Newest keyframe is frame 6: the fragment holds frames 0-5, ending where frame 6 starts.
    media = writer.take()
    message = writer.seal(b"META", media)
    assert isinstance(message, memoryview)  # written in front of the samples: no copy
    data = bytes(message)
    assert data[:4] == b"META"
    fragment = data[4:]
    assert boxes(fragment) == ["moof", "mdat"]
    base, rows = trun_entries(fragment)
    assert base == 0
    assert [r[0] for r in rows] == [3600] * 6
    assert [r[1] for r in rows] == [3006, 506, 506, 3006, 506, 506]  # 4-byte lengths inside
    assert [r[2] == 0x02000000 for r in rows] == [True, False, False, True, False, False]
    mdat = fragment[top_level_boxes(fragment)[0][1] + 8 :]
    assert mdat[:6] == struct.pack(">I", 3002) + bytes(((19 << 1), 0x01))
    assert len(mdat) == sum(r[1] for r in rows)
    # The data offset in trun points at the first sample.
    trun = find_box(fragment, b"moof", b"traf", b"trun")
    assert trun is not None
    assert struct.unpack_from(">i", trun, 8)[0] == top_level_boxes(fragment)[0][1] + 8


def test_a_cut_inside_a_read_batch_keeps_the_next_segment_whole() -> None:
    dep = _Depacketizer(True, ())
    cam = Camera(dep)
    writer = CmafWriter(init_segment(), "hevc", 320, 240, dep)
    out: list = []
    first = cam.batch(8)  # frames 0-7: keyframes 0, 3, 6
    dep.feed(first, 0, len(first), out)
    segments = []
    for au in out:
        writer.mux(au)
        if au.is_keyframe and au.pts == 3 * 3600:
            segments.append(bytes(writer.seal(b"", writer.take())))  # cut at frame 3
    # Frames 4-7 arrived in the same batch, after the cut; the next read compacts the buffer.
    more: list = []
    second = cam.batch(4)  # frames 8-11: keyframe 9
    dep.feed(second, 0, len(second), more)
    assert dep.base > -HEADROOM  # the first segment's bytes are gone from the buffer
    for au in more:
        writer.mux(au)
    segments.append(bytes(writer.seal(b"", writer.take())))  # frames 3-8
    segments.append(bytes(writer.seal(b"", writer.close())))  # frames 9-11
    frames = [trun_entries(s)[1] for s in segments]
    assert [len(f) for f in frames] == [3, 6, 3]
    assert [trun_entries(s)[0] for s in segments] == [0, 3 * 3600, 9 * 3600]
    # Every sample's bytes are the frame's own (first byte after the NAL header = frame no.).
    for seg, first_frame in zip(segments, (0, 3, 9), strict=True):
        mdat = seg[top_level_boxes(seg)[0][1] + 8 :]
        pos = 0
        for i, (_, size, _) in enumerate(trun_entries(seg)[1]):
            assert mdat[pos + 6] == (first_frame + i + 1) % 251
            pos += size


def test_seal_joins_when_the_samples_are_not_contiguous_or_there_is_no_room() -> None:
    dep = _Depacketizer(True, ())
    cam = Camera(dep)
    writer = CmafWriter(init_segment(), "hevc", 320, 240, dep)
    out: list = []
    batch = cam.batch(4)
    dep.feed(batch, 0, len(batch), out)
    for au in out:
        writer.mux(au)
    media = writer.take()
    message = writer.seal(b"x" * (HEADROOM + 1), media)  # more than the headroom
    assert isinstance(message, bytes)
    assert message[HEADROOM + 1 :] == b"".join(bytes(m) for m in media)
