"""The soak's pure parts: warm-up cut, least-squares slope, RSS verdicts, /proc parsing."""

from __future__ import annotations

import pytest

from tncam_testkit.soak_probe import descendants, parent_pid, rss_kib
from tncam_testkit.soak_stats import (
    MB,
    after_warmup,
    line,
    median_readings,
    per_10min,
    rss_verdicts,
    slope,
    table,
)


def test_warmup_cut_keeps_samples_from_the_warmup_minute_on() -> None:
    series = [(0.0, 9.0), (4.99, 8.0), (5.0, 1.0), (6.2, 2.0)]
    assert after_warmup(series, 5.0) == [(5.0, 1.0), (6.2, 2.0)]
    assert after_warmup(series, 7.0) == []


def test_slope_of_a_line_is_exact_and_of_a_flat_series_zero() -> None:
    assert slope([(t, 3.0 + 0.5 * t) for t in (0.0, 1.0, 2.5, 7.0)]) == pytest.approx(0.5)
    assert slope([(t, 42.0) for t in range(10)]) == pytest.approx(0.0)


def test_slope_is_least_squares_not_end_to_end() -> None:
    # End to end would say (0 - 0) / 3 = 0; the fit through all four points says -0.2.
    assert slope([(0.0, 0.0), (1.0, 1.0), (2.0, -1.0), (3.0, 0.0)]) == pytest.approx(-0.2)


def test_slope_needs_two_distinct_instants() -> None:
    assert slope([]) is None
    assert slope([(1.0, 5.0)]) is None
    assert slope([(1.0, 5.0), (1.0, 7.0)]) is None


def test_growth_per_10min_ignores_the_warmup() -> None:
    # Start-up doubles the memory in the first minutes, then 0.2 MB/min of growth.
    series = [(float(t), (100 + 50 * min(t, 5) + 0.2 * max(t - 5, 0)) * MB) for t in range(31)]
    assert per_10min([(t, v / MB) for t, v in series], 5.0) == pytest.approx(2.0)
    assert per_10min(series, 5.0) == pytest.approx(2.0 * MB)


def test_rss_verdicts_mark_pass_fail_and_too_short() -> None:
    flat = [(float(t), 200 * MB + (t % 2) * 100_000) for t in range(31)]
    leaking = [(float(t), 200 * MB + t * 150_000) for t in range(31)]  # 1.5 MB/10 min
    short = [(0.0, 100 * MB), (5.0, 100 * MB)]
    by_name = {v.name: v for v in rss_verdicts({"a": flat, "b": leaking, "c": short})}
    assert by_name["a"].passed
    assert by_name["a"].label == "pass"
    assert by_name["b"].mb_per_10min == pytest.approx(1.5)
    assert not by_name["b"].passed
    assert by_name["b"].label == "FAIL"
    assert by_name["c"].label == "too short"
    assert not by_name["c"].passed
    assert by_name["b"].first_mb == pytest.approx(200.75)


def test_parent_pid_survives_spaces_and_parentheses_in_the_command_name() -> None:
    assert parent_pid("4242 (python -m x) S 17 4242 4242 0 -1") == 17
    assert parent_pid("7 (a) b) (c) R 1 7 7 0") == 1


def test_rss_kib_reads_vmrss_and_a_zombie_has_none() -> None:
    assert rss_kib("Name:\tpython\nVmPeak:\t 9 kB\nVmRSS:\t  123456 kB\n") == 123456
    assert rss_kib("Name:\tdefunct\nState:\tZ (zombie)\n") == 0


def test_descendants_walk_the_whole_tree_below_the_root() -> None:
    parents = {1: 0, 10: 1, 11: 10, 12: 10, 13: 12, 20: 1, 21: 20}
    assert descendants(10, parents) == {10, 11, 12, 13}
    assert descendants(13, parents) == {13}


def test_table_aligns_columns() -> None:
    text = table(["name", "n"], [("ingest", 5), ("a", 1234)])
    assert text.splitlines() == ["name       n", "------  ----", "ingest     5", "a       1234"]
    assert line(["x", "1"], [3, 3]) == "x      1"


def test_median_readings_drop_a_transient_spike_and_a_dip() -> None:
    readings = [
        {"ingest": 170, "recorder": 130},
        {"ingest": 178, "recorder": 131},  # segment buffers in flight
        {"ingest": 169, "recorder": 90},  # one reading while buffers were given back
        {"ingest": 171},  # recorder gone for one reading
    ]
    assert median_readings(readings) == {"ingest": 170.5, "recorder": 130}
