"""The edge's pure rules: admission, codec paths, the timeline, viewer queues, SDP lines."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tncam_live.domain.admission import Limits, Refusal, admit
from tncam_live.domain.codec_path import CodecPath, NoCommonCodecError, choose_path
from tncam_live.domain.frame_queue import FrameQueue
from tncam_live.domain.sdp import (
    SdpError,
    offered_video_codecs,
    parse_trickle,
    split_mdns_candidates,
)
from tncam_live.domain.timeline import DEFAULT_STEP, Timeline


def test_admission_refuses_the_replica_limit_first_then_the_camera_one() -> None:
    limits = Limits(per_camera=2, per_replica=3)
    assert admit(limits, camera_viewers=1, replica_viewers=2) is None
    assert admit(limits, camera_viewers=2, replica_viewers=2) == Refusal("camera", 2)
    assert admit(limits, camera_viewers=0, replica_viewers=3) == Refusal("replica", 3)
    assert admit(limits, camera_viewers=2, replica_viewers=3) == Refusal("replica", 3)


@pytest.mark.parametrize(
    ("camera", "offered", "path"),
    [
        ("hevc", {"H265", "H264", "VP8"}, CodecPath.PASSTHROUGH_H265),
        ("hevc", {"H264", "VP8"}, CodecPath.TRANSCODE_H264),
        ("h264", {"H265", "H264"}, CodecPath.PASSTHROUGH_H264),
        ("h264", {"H264"}, CodecPath.PASSTHROUGH_H264),
    ],
)
def test_codec_path(camera: str, offered: set[str], path: CodecPath) -> None:
    assert choose_path(camera, frozenset(offered)) is path


@pytest.mark.parametrize(
    ("camera", "offered"), [("hevc", {"VP8"}), ("h264", {"H265", "VP8"}), ("mjpeg", {"H264"})]
)
def test_no_common_codec(camera: str, offered: set[str]) -> None:
    with pytest.raises(NoCommonCodecError):
        choose_path(camera, frozenset(offered))


def test_timeline_continues_across_publishing_sessions() -> None:
    t = Timeline()
    assert [t.place("a", p) for p in (1000, 4600, 8200)] == [1000, 4600, 8200]
    assert t.frame_rate == 25
    # ingest reconnected: its timestamps start again near 0; ours go on one frame later
    assert t.place("b", 0) == 8200 + 3600
    assert t.place("b", 3600) == 8200 + 7200
    # a jump back inside a session is treated the same way
    assert t.place("b", 0) == 8200 + 10800
    # a long pause keeps its length, but a step longer than a second is not a frame interval
    assert t.place("b", 900_000) == 8200 + 10800 + 900_000


def test_timeline_starts_with_a_default_step() -> None:
    t = Timeline()
    t.place("a", 5)
    assert t.frame_rate is None  # one frame says nothing of the rate
    assert t.place("b", 0) == 5 + DEFAULT_STEP


@dataclass(frozen=True)
class F:
    n: int
    keyframe: bool = False


def test_queue_starts_at_a_keyframe_without_counting_what_came_before() -> None:
    q: FrameQueue[F] = FrameQueue(4)
    assert q.offer(F(1)) == 0
    assert len(q) == 0
    assert q.offer(F(2, keyframe=True)) == 0
    assert q.offer(F(3)) == 0
    assert [q.take(), q.take(), q.take()] == [F(2, True), F(3), None]
    assert q.dropped == 0


def test_a_full_queue_drops_to_the_next_keyframe_and_counts() -> None:
    q: FrameQueue[F] = FrameQueue(3)
    for f in (F(1, True), F(2), F(3)):
        q.offer(f)
    assert q.offer(F(4)) == 4  # three queued and this one
    assert len(q) == 0
    assert q.offer(F(5)) == 1  # still waiting for a keyframe
    assert q.offer(F(6, keyframe=True)) == 0
    assert q.take() == F(6, True)
    assert q.dropped == 5


def test_a_full_queue_restarts_at_an_arriving_keyframe() -> None:
    q: FrameQueue[F] = FrameQueue(2)
    q.offer(F(1, True))
    q.offer(F(2))
    assert q.offer(F(3, keyframe=True)) == 2
    assert [q.take(), q.take()] == [F(3, True), None]
    with pytest.raises(ValueError, match="at least one"):
        FrameQueue(0)


OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 1 1 IN IP4 0.0.0.0",
        "s=-",
        "t=0 0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "a=mid:0",
        "a=rtpmap:111 opus/48000/2",
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 103",
        "a=mid:1",
        "a=rtpmap:96 VP8/90000",
        "a=rtpmap:97 rtx/90000",
        "a=rtpmap:103 H265/90000",
        "a=candidate:1 1 udp 2122260223 192.168.1.5 50000 typ host",
        "a=candidate:2 1 udp 2122260223 4b1f2c0e-1111-2222-3333-444455556666.local 50001 typ host",
        "",
    ]
)


def test_offered_video_codecs_reads_only_video_sections() -> None:
    assert offered_video_codecs(OFFER) == frozenset({"VP8", "RTX", "H265"})
    assert offered_video_codecs("v=0\r\n") == frozenset()


def test_mdns_candidates_are_taken_out_of_the_offer() -> None:
    kept, mdns = split_mdns_candidates(OFFER)
    assert [c.mid for c in mdns] == ["1"]
    assert mdns[0].candidate.startswith("candidate:2 ")
    assert ".local" not in kept
    assert "a=candidate:1 1 udp" in kept
    assert kept.endswith("\r\n")
    assert split_mdns_candidates(kept) == (kept, [])


def test_trickle_sdpfrag() -> None:
    frag = "\r\n".join(
        [
            "a=ice-ufrag:abcd",
            "a=ice-pwd:efgh",
            "m=video 9 UDP/TLS/RTP/SAVPF 0",
            "a=mid:0",
            "a=candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host",
            "a=candidate:2 1 udp 1686052607 203.0.113.9 50000 typ srflx raddr 10.0.0.2 rport 1",
            "a=end-of-candidates",
        ]
    )
    trickle = parse_trickle(frag)
    assert [(c.mid, c.candidate.split()[4]) for c in trickle.candidates] == [
        ("0", "10.0.0.2"),
        ("0", "203.0.113.9"),
    ]
    assert trickle.end_of_candidates
    bare = parse_trickle("a=candidate:1 1 udp 1 10.0.0.2 5 typ host\r\n")
    assert [(c.mid, c.mline_index) for c in bare.candidates] == [(None, 0)]
    assert not bare.end_of_candidates
    with pytest.raises(SdpError, match="malformed candidate"):
        parse_trickle("a=candidate:1 1 udp\r\n")
