"""MSE framing (pure parts): Annex-B to MP4 samples, the codecs strings, a fragment's boxes."""

from __future__ import annotations

import struct

from tncam_live.domain.codec_path import mse_offered
from tncam_live.media.fmp4 import InitSegment, fragment, hevc_codecs, nal_units, sample_of
from tncam_mesh.fmp4 import find_box

SPS, PPS, AUD, IDR = b"\x67\x42\xc0\x1e", b"\x68\xce", b"\x09\xf0", b"\x65\x88\x84\x00\x21"


def test_parameter_sets_and_delimiters_leave_the_sample() -> None:
    annexb = b"".join(b"\x00\x00\x00\x01" + u for u in (AUD, SPS, PPS)) + b"\x00\x00\x01" + IDR
    assert nal_units(annexb) == [AUD, SPS, PPS, IDR]
    sample = sample_of("h264", annexb)
    assert sample.parameter_sets == (SPS, PPS)
    assert sample.data == struct.pack(">I", len(IDR)) + IDR


def test_hevc_codecs_string_main_profile() -> None:
    # configurationVersion 1, Main (profile_idc 1), compat flags 0x60000000, constraint
    # 0x90 then zeros, level 93 (3.1): the string Chrome and Safari expect.
    record = bytes([1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 93])
    assert hevc_codecs(record) == "hvc1.1.6.L93.90"


def test_one_sample_fragment_boxes() -> None:
    init = InitSegment(b"", track_id=1, timescale=90_000, codecs="avc1.42c01e")
    sample = sample_of("h264", b"\x00\x00\x01" + IDR)
    data = fragment(3, init, 7200, 3600, sample, sync=True)
    tfdt = find_box(data, b"moof", b"traf", b"tfdt")
    trun = find_box(data, b"moof", b"traf", b"trun")
    assert tfdt is not None
    assert trun is not None
    assert struct.unpack_from(">Q", tfdt, 4)[0] == 7200
    count, offset, duration, size, flags = struct.unpack_from(">IiIII", trun, 4)
    assert (count, duration, size, flags) == (1, 3600, len(sample.data), 0x02000000)
    assert data[offset:] == sample.data  # the data offset points at the sample in the mdat
    assert init.mime_type == 'video/mp4; codecs="avc1.42c01e"'


def test_mse_codec_families() -> None:
    assert mse_offered(["avc1.64001f", "hvc1.1.6.L93.B0"]) == {"H264", "H265"}
    assert mse_offered(["AVC3.42e01e", "vp09.00.10.08", ""]) == {"H264"}
    assert mse_offered([]) == frozenset()
