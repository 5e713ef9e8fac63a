"""Quality result rules: fps floor, bitrate collapse, codec/resolution as declared, frozen run."""

from __future__ import annotations

from tncam_ingest.domain.quality import Quality
from tncam_ingest.domain.stream_quality import (
    Declared,
    QualityTracker,
    StreamRules,
    Window,
    stream_flags,
)

HEVC_1080 = Declared(codec="hevc", resolution="1920x1080")


def window(fps: float = 25.0, bitrate: int = 4_000_000, codec: str = "hevc") -> Window:
    return Window(fps=fps, bitrate_bps=bitrate, codec=codec, width=1920, height=1080)


def picture(*, frozen: bool = False, black: bool = False, blurred: bool = False) -> Quality:
    return Quality(
        mean_luma=100.0,
        luma_stddev=40.0,
        laplacian_variance=200.0,
        diff_from_previous=0.1 if frozen else 9.0,
        black=black,
        blurred=blurred,
        frozen=frozen,
    )


def test_fps_floor_is_the_cameras_own_else_the_default() -> None:
    rules = StreamRules(default_min_fps=5.0)
    assert stream_flags(window(fps=4.9), HEVC_1080, rules, 0) == {"low_fps"}
    assert stream_flags(window(fps=5.0), HEVC_1080, rules, 0) == set()
    own = Declared(codec="hevc", resolution="1920x1080", min_fps=15.0)
    assert stream_flags(window(fps=12.0), own, rules, 0) == {"low_fps"}
    assert stream_flags(window(fps=15.0), own, rules, 0) == set()


def test_codec_and_resolution_must_be_as_declared() -> None:
    rules = StreamRules()
    assert stream_flags(window(codec="h264"), HEVC_1080, rules, 0) == {"codec_mismatch"}
    small = Window(fps=25.0, bitrate_bps=1_000_000, codec="hevc", width=1280, height=720)
    assert stream_flags(small, HEVC_1080, rules, 0) == {"resolution_mismatch"}
    # Nothing declared: nothing to compare with.
    assert stream_flags(small, Declared(), rules, 0) == set()
    assert stream_flags(window(codec="HEVC"), HEVC_1080, rules, 0) == set()


def test_bitrate_collapse_against_the_sessions_own_level() -> None:
    t = QualityTracker(StreamRules(collapse_ratio=0.25, baseline_windows=3))
    # Too few windows for a level: a low first window is not a collapse.
    assert t.on_window(window(bitrate=200_000), HEVC_1080) == ()
    for _ in range(3):
        assert t.on_window(window(bitrate=4_000_000), HEVC_1080) == ()
    assert t.level() == 4_000_000
    assert t.on_window(window(bitrate=1_100_000), HEVC_1080) == ()  # 27 %: not yet
    assert t.on_window(window(bitrate=900_000), HEVC_1080) == ("bitrate_collapse",)
    # A lasting collapse stays flagged: collapsed windows never become the level.
    for _ in range(10):
        assert t.on_window(window(bitrate=300_000), HEVC_1080) == ("bitrate_collapse",)
    assert t.result(HEVC_1080).baseline_bitrate_bps == 4_000_000
    # A new session learns its level again (the camera may have been reconfigured).
    t.new_session()
    assert t.level() == 0
    assert t.on_window(window(bitrate=300_000), HEVC_1080) == ()


def test_frozen_is_a_run_of_unchanged_snapshots_and_last_good_is_kept() -> None:
    t = QualityTracker(StreamRules(frozen_snapshots=3))
    t.on_picture(picture(), taken_at=100.0)
    assert t.result(HEVC_1080).flags == ()
    assert t.result(HEVC_1080).last_good_at == 100.0
    t.on_picture(picture(frozen=True), taken_at=160.0)  # two alike: not yet
    assert t.result(HEVC_1080).flags == ()
    t.new_session()  # a reconnect does not reset the run
    t.on_picture(picture(frozen=True), taken_at=220.0)  # three alike
    r = t.result(HEVC_1080)
    assert r.flags == ("frozen",)
    assert r.frozen_snapshots == 3
    assert r.last_good_at == 160.0
    t.on_picture(picture(), taken_at=280.0)  # it moves again
    assert t.result(HEVC_1080).flags == ()
    assert t.result(HEVC_1080).frozen_snapshots == 1


def test_result_joins_picture_and_stream_flags_in_a_stable_order() -> None:
    t = QualityTracker(StreamRules())
    t.on_picture(picture(black=True), taken_at=10.0)
    t.on_window(window(fps=2.0, codec="h264"), HEVC_1080)
    r = t.result(HEVC_1080)
    assert r.flags == ("black", "low_fps", "codec_mismatch")
    assert r.last_good_at is None
    assert r.min_fps == 5.0
    assert r.window is not None
    assert r.window.codec == "h264"
    # A new session waits for its first window before judging the stream again.
    t.new_session()
    assert t.result(HEVC_1080).flags == ("black",)
