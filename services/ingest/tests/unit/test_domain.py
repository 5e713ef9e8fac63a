"""Pure logic: backoff, lease planning, picture quality, failure reasons, URLs, fMP4 boxes."""

from __future__ import annotations

import errno
import random
import struct
from collections import Counter

import numpy as np
import pytest

from tncam_ingest.domain.assignment import fair_share, plan
from tncam_ingest.domain.backoff import Backoff
from tncam_ingest.domain.quality import Thresholds, assess, laplacian_variance
from tncam_ingest.domain.reasons import Reason, classify
from tncam_ingest.domain.urls import check_url, with_credentials
from tncam_ingest.media.fmp4 import split_init, top_level_boxes
from tncam_ingest.media.segment_message import codec_string


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    b = Backoff(initial_s=1.0, cap_s=60.0, rng=random.Random(7))
    ceilings = []
    for _ in range(12):
        ceilings.append(b.ceiling())
        assert 0.0 <= b.next_delay() <= ceilings[-1]
    assert ceilings[:7] == [1, 2, 4, 8, 16, 32, 60]
    assert max(ceilings) == 60
    b.reset()
    assert b.ceiling() == 1.0
    # Full jitter: many cameras coming back spread over the whole window.
    delays = [Backoff(1.0, 60.0, rng=random.Random(i), attempt=10).next_delay() for i in range(500)]
    assert min(delays) < 6
    assert max(delays) > 54


def test_backoff_survives_a_thousand_failures() -> None:
    b = Backoff(attempt=5000)
    assert b.ceiling() == 60.0


def test_plan_spreads_cameras_evenly_between_workers() -> None:
    cams = [f"cam{i}" for i in range(10)]
    holders: dict[str, str] = {}
    workers = ["w1", "w2", "w3"]
    for _ in range(5):  # a few rounds, workers take turns
        for w in workers:
            p = plan(me=w, active=cams, holders=holders, workers=workers)
            for c in p.claim:
                assert c not in holders
                holders[c] = w
            for c in p.release:
                holders.pop(c)
    assert len(holders) == 10
    counts = Counter(holders.values())
    assert max(counts.values()) - min(counts.values()) <= 1
    assert fair_share(10, 3) == 4


def test_plan_releases_excess_gradually_when_a_worker_joins() -> None:
    cams = [f"cam{i}" for i in range(8)]
    holders = dict.fromkeys(cams, "w1")
    p = plan(me="w1", active=cams, holders=holders, workers=["w1", "w2"])
    assert p.share == 4
    assert 1 <= len(p.release) <= 4
    assert not p.claim
    # The newcomer takes free cameras up to its share, never a held one.
    for c in p.release:
        holders.pop(c)
    p2 = plan(me="w2", active=cams, holders=holders, workers=["w1", "w2"])
    assert set(p2.claim) == set(cams) - set(holders)


def test_plan_releases_inactive_cameras_and_ignores_other_workers_leases() -> None:
    p = plan(
        me="w1",
        active=["a", "b"],
        holders={"a": "w2", "gone": "w1"},
        workers=["w1", "w2"],
    )
    assert p.release == ("gone",)
    assert p.claim == ("b",)


def test_quality_black_blur_frozen() -> None:
    t = Thresholds()
    black = np.full((180, 320), 8, np.uint8)
    q = assess(black, None, t)
    assert q.black
    assert not q.blurred
    assert not q.frozen
    assert q.diff_from_previous < 0
    rng = np.random.default_rng(1)
    sharp = rng.integers(0, 255, (180, 320), dtype=np.uint8)
    q = assess(sharp, black, t)
    assert not q.black
    assert not q.blurred
    assert not q.frozen
    assert q.diff_from_previous > 50
    # A smooth gradient: bright and varied, but no edges: blurred.
    grad = np.tile(np.linspace(30, 220, 320, dtype=np.float32), (180, 1)).astype(np.uint8)
    q = assess(grad, None, t)
    assert q.blurred
    assert not q.black
    assert laplacian_variance(grad) < laplacian_variance(sharp)
    # The same picture again while packets still arrive: frozen.
    assert assess(sharp, sharp.copy(), t).frozen


class _FakeAvError(Exception):
    def __init__(self, name: str, code: int, text: str) -> None:
        super().__init__(text)
        self.errno = code
        self.__class__ = type(name, (_FakeAvError,), {})


@pytest.mark.parametrize(
    ("name", "code", "elapsed", "reason"),
    [
        ("HTTPUnauthorizedError", 0, 0.1, Reason.UNAUTHORIZED),
        ("HTTPForbiddenError", 0, 0.1, Reason.UNAUTHORIZED),
        ("HTTPNotFoundError", 0, 0.1, Reason.NOT_FOUND),
        ("ConnectionRefusedError", errno.ECONNREFUSED, 0.0, Reason.REFUSED),
        ("OSError", errno.ETIMEDOUT, 5.0, Reason.TIMEOUT),
        ("InvalidDataError", 0, 5.0, Reason.TIMEOUT),  # no answer within the socket timeout
        ("InvalidDataError", 0, 0.1, Reason.DECODE_ERROR),
        ("OSError", errno.EIO, 0.1, Reason.OTHER),
    ],
)
def test_failures_are_classified(name: str, code: int, elapsed: float, reason: Reason) -> None:
    exc = _FakeAvError(name, code, f"[Errno {code}] failed: 'rtsp://admin:hunter2@10.0.0.7/1'")
    failure = classify(exc, elapsed_s=elapsed, timeout_s=5.0)
    assert failure.reason is reason
    assert "hunter2" not in failure.detail
    assert reason.proto > 0


def test_credentials_are_injected_percent_encoded() -> None:
    url = with_credentials("rtsp://10.0.0.7:554/Streaming/101", "ad min", "p@ss:w/rd")
    assert url == "rtsp://ad%20min:p%40ss%3Aw%2Frd@10.0.0.7:554/Streaming/101"
    # Credentials already in a configured URL are replaced, not doubled.
    assert with_credentials("rtsp://old:pw@h/1", "u", "p") == "rtsp://u:p@h/1"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("rtsp://10.0.0.7/1", None),
        ("rtsp://[::1/x", "malformed"),
        ("http://10.0.0.7/1", "scheme"),
        ("rtsp:///nohost", "host"),
        ("rtsp://h:99999/x", "malformed"),
    ],
)
def test_urls_are_checked(url: str, problem: str | None) -> None:
    result = check_url(url)
    assert (result is None) if problem is None else (problem in (result or ""))


def _box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def test_init_segment_is_split_from_media() -> None:
    init = _box(b"ftyp", b"cmfc") + _box(b"moov", _box(b"mvhd", b"x" * 20))
    media = _box(b"moof", b"y" * 12) + _box(b"mdat", b"z" * 100)
    assert split_init(init + media) == (init, media)
    assert split_init(media) == (b"", media)
    assert [k for k, _ in top_level_boxes(init + media)] == ["ftyp", "moov", "moof", "mdat"]
    with pytest.raises(ValueError, match="truncated"):
        top_level_boxes(media[:-1])


def test_codec_strings_from_the_decoder_configuration() -> None:
    avcc = b"avcC" + bytes([1, 0x64, 0x00, 0x28])
    assert codec_string("h264", b"xx" + avcc + b"\x00" * 10) == "avc1.640028"
    hvcc = b"hvcC" + bytes([1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 120])
    assert codec_string("hevc", hvcc) == "hvc1.1.6.L120.90"
    assert codec_string("hevc", b"") == "hvc1"
