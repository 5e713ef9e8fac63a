"""The native RTSP client's pure parts: SDP, authentication, RTP depacketization."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest

from tncam_ingest.media.rtp import (
    NTP_UNIX_OFFSET,
    START,
    AccessUnit,
    RtspProtocolError,
    _Depacketizer,
    parameter_sets,
)
from tncam_ingest.media.rtsp import (
    auth_header,
    challenge_fields,
    interleaved_channel,
    parse_sdp,
    pick_challenge,
    resolve_control,
)

SDP_H265 = """v=0
o=- 1 1 IN IP4 127.0.0.1
s=Session
m=audio 0 RTP/AVP 0
a=control:stream=9
m=video 0 RTP/AVP 96
a=rtpmap:96 H265/90000
a=fmtp:96 sprop-vps=QAEMAf//;sprop-sps=QgEBAWAAAAMAAAMAAAMAAAMAlqA=;sprop-pps=RAHA8vA8kA==
a=control:stream=0
"""


def rtp(seq: int, ts: int, payload: bytes, *, marker: bool = False, pt: int = 96) -> memoryview:
    header = struct.pack(">BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts, 1234)
    return memoryview(header + payload)


def test_sdp_gives_the_video_stream_and_its_parameter_sets() -> None:
    d = parse_sdp(SDP_H265, "rtsp://cam/live/")
    assert d.codec == "hevc"
    assert d.payload_type == 96
    assert d.clock_rate == 90000
    assert d.control == "rtsp://cam/live/stream=0"
    assert [ps[0] >> 1 & 0x3F for ps in d.parameter_sets] == [32, 33, 34]
    h264 = parse_sdp(
        "m=video 0 RTP/AVP 97\na=rtpmap:97 H264/90000\n"
        "a=fmtp:97 packetization-mode=1;sprop-parameter-sets=Z0IAKeKQ,aM48gA==\n"
        "a=control:rtsp://cam/other\n",
        "rtsp://cam/live",
    )
    assert (h264.codec, h264.control, len(h264.parameter_sets)) == ("h264", "rtsp://cam/other", 2)
    with pytest.raises(RtspProtocolError, match="no video"):
        parse_sdp("m=audio 0 RTP/AVP 0\n", "rtsp://cam/")


def test_basic_and_digest_authorization() -> None:
    basic = auth_header('Basic realm="cam"', "DESCRIBE", "rtsp://c/1", "admin", "pw")
    assert basic == "Basic " + base64.b64encode(b"admin:pw").decode()
    digest = auth_header(
        'Digest realm="IP Camera", nonce="abc123", stale="FALSE"',
        "DESCRIBE",
        "rtsp://c/1",
        "admin",
        "12345",
    )
    assert digest is not None
    assert 'realm="IP Camera"' in digest
    assert 'nonce="abc123"' in digest
    # RFC 2617 without qop: MD5(MD5(user:realm:pw):nonce:MD5(method:uri)).
    ha1 = hashlib.md5(b"admin:IP Camera:12345").hexdigest()  # noqa: S324 - RFC 2617
    ha2 = hashlib.md5(b"DESCRIBE:rtsp://c/1").hexdigest()  # noqa: S324 - RFC 2617
    expected = hashlib.md5(f"{ha1}:abc123:{ha2}".encode()).hexdigest()  # noqa: S324 - RFC 2617
    assert f'response="{expected}"' in digest
    assert auth_header("Negotiate", "DESCRIBE", "u", "a", "b") is None


def test_h265_single_aggregated_and_fragmented_units() -> None:
    dep = _Depacketizer(True, ())
    vps, sps, pps = b"\x40\x01\xaa", b"\x42\x01\xbb", b"\x44\x01\xcc"
    ap = b"\x60\x01" + b"".join(struct.pack(">H", len(n)) + n for n in (vps, sps, pps))
    assert dep.push(rtp(1, 9000, ap)) is None
    idr = b"\x26\x01" + bytes(range(200))  # IDR_W_RADL (19)
    fu_hdr = bytes(((49 << 1), 0x01))
    parts = [idr[2:80], idr[80:150], idr[150:]]
    assert dep.push(rtp(2, 9000, fu_hdr + bytes((0x80 | 19,)) + parts[0])) is None
    assert dep.push(rtp(3, 9000, fu_hdr + bytes((19,)) + parts[1])) is None
    au = dep.push(rtp(4, 9000, fu_hdr + bytes((0x40 | 19,)) + parts[2], marker=True))
    assert au is not None
    assert au.is_keyframe
    assert au.pts == 9000
    assert bytes(au) == START + vps + START + sps + START + pps + START + idr
    trail = b"\x02\x01" + b"p" * 10  # TRAIL_R, not a keyframe
    au2 = dep.push(rtp(5, 12600, trail, marker=True))
    assert au2 is not None
    assert not au2.is_keyframe
    assert bytes(au2) == START + trail
    assert au2.pts == 12600


def test_lost_packet_drops_the_damaged_picture_and_counts_a_gap() -> None:
    dep = _Depacketizer(True, (b"\x40\x01", b"\x42\x01", b"\x44\x01"))
    fu_hdr = bytes(((49 << 1), 0x01))
    dep.push(rtp(10, 0, fu_hdr + bytes((0x80 | 19,)) + b"a" * 50))
    # seq 11 lost
    assert dep.push(rtp(12, 0, fu_hdr + bytes((0x40 | 19,)) + b"b" * 50, marker=True)) is None
    assert dep.gaps == 1
    assert dep.dropped == 1
    # The next picture is whole again; out-of-band parameter sets go in front of a keyframe.
    au = dep.push(rtp(13, 3600, b"\x26\x01xyz", marker=True))
    assert au is not None
    assert bytes(au).startswith(START + b"\x40\x01" + START + b"\x42\x01")


def test_h264_stap_fu_and_timestamp_wrap() -> None:
    dep = _Depacketizer(False, ())
    sps, pps = b"\x67\x42\x00\x28", b"\x68\xce\x3c\x80"
    stap = b"\x18" + b"".join(struct.pack(">H", len(n)) + n for n in (sps, pps))
    ts = 0xFFFFFF00
    dep.push(rtp(65535, ts, stap))
    idr_payload = b"i" * 30
    dep.push(rtp(0, ts, bytes((0x7C, 0x80 | 5)) + idr_payload[:10]))  # seq wraps: no gap
    au = dep.push(rtp(1, ts, bytes((0x7C, 0x40 | 5)) + idr_payload[10:], marker=True))
    assert au is not None
    assert au.is_keyframe
    assert bytes(au) == START + sps + START + pps + START + bytes((0x65,)) + idr_payload
    # 32-bit RTP timestamps wrap; the extended timestamp keeps rising.
    au2 = dep.push(rtp(2, (ts + 3600) & 0xFFFFFFFF, b"\x41abc", marker=True))
    assert au2 is not None
    assert au2.pts == ts + 3600
    assert dep.gaps == 0
    with pytest.raises(RtspProtocolError):
        dep.push(memoryview(b"\x00" * 12))


def test_a_picture_larger_than_the_buffer_grows_it() -> None:
    dep = _Depacketizer(True, ())
    nal = b"\x26\x01" + bytes(i % 251 for i in range(700_000))
    fu_hdr = bytes(((49 << 1), 0x01))
    body = nal[2:]
    chunks = [body[i : i + 1400] for i in range(0, len(body), 1400)]
    au = None
    for i, chunk in enumerate(chunks):
        flag = 0x80 if i == 0 else (0x40 if i == len(chunks) - 1 else 0)
        au = dep.push(rtp(i, 0, fu_hdr + bytes((flag | 19,)) + chunk, marker=flag == 0x40))
    assert au is not None
    assert bytes(au) == START + nal


def test_sender_report_gives_the_capture_time() -> None:
    dep = _Depacketizer(True, ())
    assert dep.capture_time(0) == 0.0  # no sender report yet
    ts = 0xFFFFFF00  # the RTP clock wraps between the picture and the report
    au = dep.push(rtp(1, ts, b"\x26\x01idr", marker=True))
    assert au is not None
    # RR (empty) then SR, as one compound packet on the RTCP channel: 0.1 s after the picture.
    rr = struct.pack(">BBHI", 0x80, 201, 1, 1234)
    sr = struct.pack(">BBHIIII", 0x80, 200, 6, 1234, NTP_UNIX_OFFSET + 1000, 2**31, 0)
    sr += struct.pack(">II", 0, 0)
    rtcp = rr + sr[:16] + struct.pack(">I", (ts + 9000) & 0xFFFFFFFF) + sr[20:]
    frame = bytes((0x24, 1)) + struct.pack(">H", len(rtcp)) + rtcp
    assert dep.feed(frame, 0, len(frame), []) == len(frame)
    assert dep.capture_time(au.pts) == pytest.approx(1000.4)
    assert dep.capture_time(au.pts + 90000) == pytest.approx(1001.4)


def test_a_sender_report_before_the_first_picture_is_kept_for_it() -> None:
    # Many cameras report first: the report's timestamp is anchored at the first RTP packet.
    dep = _Depacketizer(True, ())
    ts = 0xFFFFFF00  # and the RTP clock wraps between the report and the picture
    sr = struct.pack(">BBHIIII", 0x80, 200, 6, 1234, NTP_UNIX_OFFSET + 1000, 2**31, ts)
    sr += struct.pack(">II", 0, 0)
    frame = bytes((0x24, 1)) + struct.pack(">H", len(sr)) + sr
    assert dep.feed(frame, 0, len(frame), []) == len(frame)
    au = dep.push(rtp(1, (ts + 9000) & 0xFFFFFFFF, b"\x26\x01idr", marker=True))
    assert au is not None
    assert dep.capture_time(au.pts) == pytest.approx(1000.6)


# ------------------------------------------------------------------ camera interop (issue 18)


def test_digest_md5_with_qop_auth_counts_its_requests() -> None:
    www = 'Digest realm="cam", nonce="n0", qop="auth,auth-int", algorithm=MD5, opaque="op"'
    first = auth_header(www, "DESCRIBE", "rtsp://c/1", "admin", "pw", nc=1, cnonce="c0")
    second = auth_header(www, "SETUP", "rtsp://c/1/t", "admin", "pw", nc=2, cnonce="c0")
    assert first is not None
    assert second is not None
    # RFC 2617 with qop=auth: MD5(HA1:nonce:nc:cnonce:auth:HA2).
    ha1 = hashlib.md5(b"admin:cam:pw").hexdigest()  # noqa: S324 - RFC 2617
    ha2 = hashlib.md5(b"DESCRIBE:rtsp://c/1").hexdigest()  # noqa: S324 - RFC 2617
    want = hashlib.md5(f"{ha1}:n0:00000001:c0:auth:{ha2}".encode()).hexdigest()  # noqa: S324
    assert f'response="{want}"' in first
    assert "qop=auth, nc=00000001" in first
    assert 'cnonce="c0"' in first
    assert 'opaque="op"' in first
    assert "algorithm=MD5" in first
    assert "nc=00000002" in second
    assert auth_header('Digest realm="c", nonce="n", algorithm=SHA-256', "X", "u", "a", "b") is None


def test_digest_is_chosen_over_basic_and_fields_parse_quoted_or_not() -> None:
    assert pick_challenge(['Basic realm="c"', 'Digest realm="c", nonce="n"']).startswith("Digest")
    assert pick_challenge(['Basic realm="c"']) == 'Basic realm="c"'
    fields = challenge_fields('realm="IP Camera(12)", nonce=abc, qop="auth", stale=FALSE')
    assert fields == {"realm": "IP Camera(12)", "nonce": "abc", "qop": "auth", "stale": "FALSE"}


def test_control_urls_relative_absolute_and_from_the_root() -> None:
    assert resolve_control("rtsp://c/live/", "trackID=1") == "rtsp://c/live/trackID=1"
    assert resolve_control("rtsp://c/live", "trackID=1") == "rtsp://c/live/trackID=1"
    assert resolve_control("rtsp://c:554/live/", "rtsp://d/x") == "rtsp://d/x"
    assert resolve_control("rtsp://c:554/live/", "/media/v") == "rtsp://c:554/media/v"
    assert resolve_control("rtsp://c/live/", "*") == "rtsp://c/live/"
    # A session-level control is the aggregate URL (PLAY, keep-alives, TEARDOWN).
    sdp = "v=0\na=control:rtsp://c/agg/\nm=video 0 RTP/AVP 96\na=rtpmap:96 H265/90000\n"
    d = parse_sdp(sdp + "a=control:v0\n", "rtsp://c/base/")
    assert (d.control, d.aggregate) == ("rtsp://c/base/v0", "rtsp://c/agg/")
    assert parse_sdp(sdp, "rtsp://c/base/").parameter_sets == ()  # no sprop: in band


def test_transport_answer_gives_the_channel() -> None:
    assert interleaved_channel("RTP/AVP/TCP;unicast;interleaved=6-7", 0) == 6
    assert interleaved_channel("RTP/AVP/TCP;unicast;interleaved=4", 0) == 4
    assert interleaved_channel("RTP/AVP/TCP;unicast", 0) == 0
    assert interleaved_channel("", 0) == 0
    with pytest.raises(RtspProtocolError, match="without TCP"):
        interleaved_channel("RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971", 0)


def test_rtp_on_other_channels_and_audio_are_ignored() -> None:
    dep = _Depacketizer(True, (), channel=6)
    audio = bytes((0x24, 2)) + struct.pack(">H", 16) + bytes(rtp(1, 5, b"\xff" * 4, pt=97))
    video = bytes(rtp(9, 0, b"\x26\x01idr", marker=True))
    frame = audio + bytes((0x24, 6)) + struct.pack(">H", len(video)) + video
    out: list[AccessUnit] = []
    assert dep.feed(frame, 0, len(frame), out) == len(frame)
    assert [bytes(a) for a in out] == [START + b"\x26\x01idr"]
    assert dep.gaps == 0


def test_a_loss_drops_the_rest_of_the_gop_up_to_the_next_keyframe() -> None:
    dep = _Depacketizer(True, ())
    assert dep.push(rtp(1, 0, b"\x26\x01k0", marker=True)) is not None
    assert dep.push(rtp(2, 3600, b"\x02\x01p1", marker=True)) is not None
    # seq 3 (picture 2) lost: pictures 3 and 4 refer to it
    for seq, ts in ((4, 10800), (5, 14400)):
        assert dep.push(rtp(seq, ts, b"\x02\x01px", marker=True)) is None
    assert (dep.gaps, dep.dropped) == (1, 2)
    key = dep.push(rtp(6, 18000, b"\x26\x01k1", marker=True))
    assert key is not None
    assert key.is_keyframe
    after = dep.push(rtp(7, 21600, b"\x02\x01p5", marker=True))
    assert after is not None
    assert after.pts == 21600
    assert dep.dropped == 2


def test_in_band_parameter_sets_are_found_in_the_keyframe() -> None:
    dep = _Depacketizer(True, ())  # the SDP had no sprop-*
    vps, sps, pps = b"\x40\x01\xaa", b"\x42\x01\xbb", b"\x44\x01\xcc"
    ap = b"\x60\x01" + b"".join(struct.pack(">H", len(n)) + n for n in (vps, sps, pps))
    dep.push(rtp(1, 0, ap))
    au = dep.push(rtp(2, 0, b"\x26\x01idr", marker=True))
    assert au is not None
    assert au.is_keyframe
    assert parameter_sets(au.data, True) == (vps, sps, pps)
    h264 = b"".join(struct.pack(">I", len(n)) + n for n in (b"\x67\x42", b"\x68\xce", b"\x65x"))
    assert parameter_sets(h264, False) == (b"\x67\x42", b"\x68\xce")


@pytest.mark.parametrize("size", [1, 2, 3, 1399, 1400, 1401, 65_000, 1_500_000])
def test_fragments_and_aggregates_of_every_size(size: int) -> None:
    """A NAL unit of ``size`` bytes: alone in a packet when it fits, else FUs of 1,400
    bytes (a keyframe over 1 MB included), behind an AP of one tiny unit and an empty entry;
    through the interleaved reader in reads of odd sizes."""
    nal = b"\x26\x01" + bytes(i % 251 for i in range(size))
    packets = [b"\x60\x01" + struct.pack(">H", 0) + struct.pack(">H", 3) + b"\x4e\x01\x05"]
    if len(nal) <= 1400:
        packets.append(nal)
    else:
        body = nal[2:]
        chunks = [body[i : i + 1400] for i in range(0, len(body), 1400)]
        for i, chunk in enumerate(chunks):
            flag = (0x80 if i == 0 else 0) | (0x40 if i == len(chunks) - 1 else 0)
            packets.append(bytes(((49 << 1), 0x01, flag | 19)) + chunk)
    wire = bytearray()
    for i, payload in enumerate(packets):
        pkt = bytes(rtp(100 + i, 0xFFFF_FFF0, payload, marker=i == len(packets) - 1))
        wire += bytes((0x24, 0)) + struct.pack(">H", len(pkt)) + pkt
    dep = _Depacketizer(True, ())
    out: list[AccessUnit] = []
    buf, pos = bytearray(), 0
    for start in range(0, len(wire), 7919):  # a prime: frames split anywhere
        buf += wire[start : start + 7919]
        pos = dep.feed(buf, pos, len(buf), out)
    assert pos == len(buf)
    assert len(out) == 1
    assert out[0].is_keyframe
    assert bytes(out[0]) == START + b"\x4e\x01\x05" + START + nal
    assert (dep.gaps, dep.dropped) == (0, 0)
