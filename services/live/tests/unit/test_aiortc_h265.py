"""The H.265 codec registered with aiortc: idempotent, other codecs untouched, pack/decode."""

from __future__ import annotations

from fractions import Fraction

import av
import pytest
from aiortc import RTCRtpSender, rtcrtpreceiver, rtcrtpsender
from aiortc.codecs import CODECS
from aiortc.codecs.h264 import H264Decoder, H264Encoder, h264_depayload
from aiortc.codecs.opus import OpusEncoder
from aiortc.codecs.vpx import Vp8Decoder, Vp8Encoder
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from tncam_live.media.aiortc_h265 import (
    H265Decoder,
    H265Encoder,
    PassthroughOnlyError,
    h265_depayload,
    register_h265,
    set_retransmission_history,
)
from tncam_live.media.h265_rtp import TYPE_FU, nal_type, packetize, split_annexb
from tncam_testkit.cameras import make_clips

# aiortc 1.16.0's own video table, which registration must leave as it is.
STOCK_VIDEO = [
    ("video/VP8", 97, {}),
    ("video/rtx", 98, {"apt": 97}),
    ("video/H264", 99, {"profile-level-id": "42001f"}),
    ("video/rtx", 100, {"apt": 99}),
    ("video/H264", 101, {"profile-level-id": "42e01f"}),
    ("video/rtx", 102, {"apt": 101}),
]


def codec(mime: str, clock_rate: int = 90_000) -> RTCRtpCodecParameters:
    return RTCRtpCodecParameters(mimeType=mime, clockRate=clock_rate, payloadType=96)


def video_table() -> list[tuple[str, int | None, dict[str, object]]]:
    table = []
    for c in CODECS["video"]:
        params = {k: v for k, v in c.parameters.items() if k in ("apt", "profile-level-id")}
        table.append((c.mimeType, c.payloadType, params))
    return table


def test_registration_appends_h265_once_and_leaves_the_rest() -> None:
    h265 = register_h265()
    snapshot = (list(CODECS["video"]), rtcrtpsender.get_encoder, rtcrtpreceiver.get_decoder)
    assert register_h265() is h265
    assert (list(CODECS["video"]), rtcrtpsender.get_encoder, rtcrtpreceiver.get_decoder) == (
        snapshot
    )
    assert video_table() == [
        *STOCK_VIDEO,
        ("video/H265", 103, {}),
        ("video/rtx", 104, {"apt": 103}),
    ]
    assert h265.clockRate == 90_000
    assert h265.parameters == {"profile-id": 1, "tier-flag": 0, "tx-mode": "SRST"}
    assert [(f.type, f.parameter) for f in h265.rtcpFeedback] == [
        ("nack", None),
        ("nack", "pli"),
        ("goog-remb", None),
    ]
    mimes = [c.mimeType for c in RTCRtpSender.getCapabilities("video").codecs]
    assert mimes == ["video/VP8", "video/rtx", "video/H264", "video/H264", "video/H265"]


def test_other_codecs_get_aiortc_own_encoders_decoders_and_depayloaders() -> None:
    register_h265()
    assert isinstance(rtcrtpsender.get_encoder(codec("video/H265")), H265Encoder)
    assert isinstance(rtcrtpsender.get_encoder(codec("video/h265")), H265Encoder)
    assert isinstance(rtcrtpsender.get_encoder(codec("video/H264")), H264Encoder)
    assert isinstance(rtcrtpsender.get_encoder(codec("video/VP8")), Vp8Encoder)
    assert isinstance(rtcrtpsender.get_encoder(codec("audio/opus", 48_000)), OpusEncoder)
    assert isinstance(rtcrtpreceiver.get_decoder(codec("video/H265")), H265Decoder)
    assert isinstance(rtcrtpreceiver.get_decoder(codec("video/H264")), H264Decoder)
    assert isinstance(rtcrtpreceiver.get_decoder(codec("video/VP8")), Vp8Decoder)
    single = bytes((0x65, 0x88, 0x84))  # an H.264 IDR slice as a single NAL unit packet
    assert rtcrtpreceiver.depayload(codec("video/H264"), single) == h264_depayload(single)
    assert rtcrtpreceiver.depayload(codec("audio/opus", 48_000), b"\x01\x02") == b"\x01\x02"
    assert rtcrtpreceiver.depayload(codec("video/H265"), b"\x02\x01\x07") == (
        b"\x00\x03\x02\x01\x07"
    )
    with pytest.raises(ValueError, match="No encoder found"):
        rtcrtpsender.get_encoder(codec("video/AV1"))


def test_the_encoder_packs_and_never_encodes() -> None:
    encoder = H265Encoder(mtu=300)
    unit = b"\x00\x00\x00\x01" + bytes((0x02, 0x01)) + bytes(1000)[:-1] + b"\x80"
    packet = av.Packet(unit)
    packet.pts = 3
    packet.time_base = Fraction(1, 10)
    payloads, timestamp = encoder.pack(packet)
    assert timestamp == 27_000
    assert payloads == packetize(unit, mtu=300)
    assert all(len(p) <= 300 for p in payloads)
    with pytest.raises(PassthroughOnlyError):
        encoder.encode(av.VideoFrame(16, 16, "yuv420p"))
    with pytest.raises(ValueError, match="pts"):
        encoder.pack(av.Packet(unit))


def framed(payloads: list[bytes]) -> bytes:
    return b"".join(h265_depayload(p) for p in payloads)


def test_the_decoder_rebuilds_and_decodes_access_units(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    clips = make_clips(tmp_path_factory.mktemp("clips"), seconds=1, fps=10, gop=10)
    with av.open(str(clips.h265), format="hevc") as container:
        units = [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]
    decoder = H265Decoder()
    pts = []
    for index, unit in enumerate(units):
        frames = decoder.decode(JitterFrame(framed(packetize(unit)), index * 9000))
        pts += [f.pts for f in frames]
    assert pts == [i * 9000 for i in range(len(units))]
    assert (decoder.stats.frames, decoder.stats.errors) == (len(units), 0)

    # The next keyframe loses the last fragment of its IDR slice: dropped, counted, no frame.
    keyframe = packetize(units[0])
    assert nal_type(split_annexb(units[0])[-1][0]) in (19, 20)  # an IDR slice
    assert nal_type(keyframe[-1][0]) == TYPE_FU
    assert decoder.decode(JitterFrame(framed(keyframe[:-1]), 99_000)) == []
    assert decoder.stats.incomplete_fu_runs == 1

    with pytest.raises(av.FFmpegError, match=r"malformed H\.265 payload"):
        decoder.decode(JitterFrame(framed([bytes((50 << 1, 1, 0))]), 108_000))
    assert decoder.stats.malformed == 1
    with pytest.raises(av.FFmpegError, match=r"malformed H\.265 payload"):
        decoder.decode(JitterFrame(b"\x00\x09\x02", 117_000))  # framing cut short
    assert decoder.stats.malformed == 2


def test_retransmission_history_is_enlarged_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rtcrtpsender, "RTP_HISTORY_SIZE", 128)  # restored after the test
    register_h265()
    assert rtcrtpsender.RTP_HISTORY_SIZE == 128  # registration alone leaves it
    set_retransmission_history()
    assert rtcrtpsender.RTP_HISTORY_SIZE == 1024
    assert rtcrtpreceiver.RTP_HISTORY_SIZE == 128  # the receiver's NACK window is not ours
    with pytest.raises(ValueError, match="below"):
        set_retransmission_history(64)
