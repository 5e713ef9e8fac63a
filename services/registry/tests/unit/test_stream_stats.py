"""A batch of stream stats folded per camera: newest wins, stale and unknown, mismatch start."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import cast

import pytest

from tncam.camera.v1 import stats_pb2
from tncam_mesh.errors import InvalidInputError
from tncam_registry.domain import stream_stats as ss
from tncam_registry.service.context import RegistryContext
from tncam_registry.service.stream_stats import measurement

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
DECLARED = ss.StreamFacts("hevc", "1920x1080", measured_at=None, mismatch_since=None)


def m(camera_id: str, s: int, codec: str = "hevc", width: int = 1920) -> ss.Measurement:
    return ss.measurement(
        camera_id,
        T0 + dt.timedelta(seconds=s),
        codec=codec,
        width=width,
        height=1080,
        fps=25.0,
        bitrate_bps=4_000_000,
    )


def test_the_newer_of_two_messages_of_a_camera_is_stored_whatever_their_order() -> None:
    batch = [m("a", 20, codec="H264"), m("b", 5), m("a", 10)]
    outcomes, updates = ss.fold(batch, {"a": DECLARED, "b": DECLARED})
    assert outcomes == ["applied", "applied", "applied"]
    stored = {u.measurement.camera_id: u for u in updates}
    assert len(updates) == 2
    assert stored["a"].measurement.at == T0 + dt.timedelta(seconds=20)
    assert stored["a"].measurement.codec == "h264"
    # Sequentially in time order: 10 s matched, 20 s did not: the mismatch starts at 20 s.
    assert stored["a"].mismatch_since == T0 + dt.timedelta(seconds=20)
    assert stored["b"].mismatch_since is None


def test_older_than_stored_is_stale_unknown_cameras_are_skipped() -> None:
    stored = ss.StreamFacts("hevc", "1920x1080", measured_at=T0, mismatch_since=None)
    batch = [m("a", -10), m("gone", 5), m("a", 0)]
    outcomes, updates = ss.fold(batch, {"a": stored})
    assert outcomes == ["stale", "unknown_camera", "applied"]
    assert [u.measurement.at for u in updates] == [T0]


def test_mismatch_start_is_kept_across_a_batch_and_cleared_by_a_match() -> None:
    since = T0 - dt.timedelta(hours=1)
    facts = {"a": ss.StreamFacts("hevc", "1920x1080", T0, since), "b": DECLARED}
    batch = [m("a", 10, width=1280), m("b", 10, width=1280), m("b", 20, width=1280)]
    _, updates = ss.fold(batch, facts)
    got = {u.measurement.camera_id: u.mismatch_since for u in updates}
    assert got == {"a": since, "b": T0 + dt.timedelta(seconds=10)}
    _, cleared = ss.fold([m("a", 30)], facts)
    assert cleared[0].mismatch_since is None


def test_a_redelivered_batch_stores_the_same_rows() -> None:
    batch = [m("a", 10, codec="h264"), m("a", 20, codec="h264")]
    _, first = ss.fold(batch, {"a": DECLARED})
    after = ss.StreamFacts("hevc", "1920x1080", first[0].measurement.at, first[0].mismatch_since)
    outcomes, again = ss.fold(batch, {"a": after})
    assert outcomes == ["stale", "applied"]
    assert again == first


def test_equal_times_take_the_later_message_in_stream_order() -> None:
    _, updates = ss.fold([m("a", 10, codec="h264"), m("a", 10, codec="hevc")], {"a": DECLARED})
    assert [(u.measurement.codec, u.mismatch_since) for u in updates] == [("hevc", None)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("width", 70_000),
        ("height", 2**32 - 1),
        ("fps", float("nan")),
        ("fps", float("inf")),
        ("bitrate_bps", 2**64 - 1),
        ("codec", "x" * 33),
    ],
)
def test_impossible_values_are_rejected(field: str, value: object) -> None:
    values: dict[str, object] = {
        "codec": "hevc",
        "width": 1920,
        "height": 1080,
        "fps": 25.0,
        "bitrate_bps": 1,
    }
    values[field] = value
    with pytest.raises(ss.InvalidMeasurementError):
        ss.measurement("a", T0, **values)  # type: ignore[arg-type]
    with pytest.raises(ss.InvalidMeasurementError):
        ss.measurement("", T0, codec="hevc", width=1, height=1, fps=1.0, bitrate_bps=1)


def test_a_window_end_no_calendar_holds_is_invalid_input() -> None:
    msg = stats_pb2.StreamStats(camera_id="a", codec="hevc", width=1920, height=1080, fps=25)
    msg.window_end.seconds = 2**62
    ctx = cast(RegistryContext, SimpleNamespace(clock=lambda: T0))
    with pytest.raises(InvalidInputError) as e:
        measurement(ctx, msg)
    assert e.value.code == "registry.stats.invalid"
    assert not e.value.retryable
    msg.ClearField("window_end")
    assert measurement(ctx, msg).at == T0
