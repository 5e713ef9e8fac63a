"""The hand-off partitions: stable, spread, disjoint subjects, N = 1 unchanged (ADR 0030)."""

from __future__ import annotations

import collections
import itertools
import uuid

import pytest

from tncam_contracts.catalog import (
    RECORDING_HANDOFF_STREAM,
    SEGMENT_CLOSED,
    STREAMS,
    subject_matches,
)
from tncam_contracts.partitions import (
    MAX_HANDOFF_PARTITIONS,
    fnv1a_32,
    handoff_partition,
    handoff_stream_of,
    handoff_streams,
    partition_label,
    segment_closed_subject,
)

CHI2_CRITICAL_0001 = {8: 26.12, 17: 40.79}


def test_fnv1a_reference_vectors() -> None:
    # The published FNV-1a 32-bit test vectors (Go's hash/fnv agrees).
    assert fnv1a_32(b"") == 0x811C9DC5
    assert fnv1a_32(b"a") == 0xE40C292C
    assert fnv1a_32(b"foobar") == 0xBF9CF968


def test_partition_is_stable() -> None:
    # Pinned values: a change of the function would move cameras between partitions of a
    # running system (and away from nats-server's partition() mapping).
    assert [handoff_partition(f"cam-{i}", 9) for i in range(8)] == [
        fnv1a_32(f"cam-{i}".encode()) % 9 for i in range(8)
    ]
    assert handoff_partition("TN-001-0001", 9) == handoff_partition("TN-001-0001", 9)
    assert handoff_partition("a", 18) == 0xE40C292C % 18
    assert all(handoff_partition(f"x{i}", 1) == 0 for i in range(50))


@pytest.mark.parametrize(
    "ids",
    [
        [f"TN-{c:03d}-{n:04d}" for c, n in itertools.product(range(100), range(100))],
        [f"cam-{i}" for i in range(10_000)],
        [uuid.UUID(int=i * 7919 + 1).hex for i in range(10_000)],
    ],
    ids=["commune-codes", "cam-n", "uuids"],
)
@pytest.mark.parametrize("partitions", [9, 18])
def test_partitions_spread(ids: list[str], partitions: int) -> None:
    counts = collections.Counter(handoff_partition(c, partitions) for c in ids)
    mean = len(ids) / partitions
    assert set(counts) == set(range(partitions))
    worst = max(abs(n - mean) / mean for n in counts.values())
    # As even as a random split: each partition within 10 % of the mean (one binomial
    # standard deviation is 3 % at N = 9, 4 % at N = 18) and Pearson's chi-square below its
    # 0.1 % critical value for N - 1 degrees of freedom.
    chi2 = sum((n - mean) ** 2 / mean for n in counts.values())
    assert worst < 0.10, (counts, worst)
    assert chi2 < CHI2_CRITICAL_0001[partitions - 1], (counts, chi2)


def test_one_partition_is_the_single_stream() -> None:
    assert handoff_streams(1) == (RECORDING_HANDOFF_STREAM,)
    assert segment_closed_subject("cam-1", 1, "t1") == SEGMENT_CLOSED.subject("cam-1", "t1")
    assert partition_label(RECORDING_HANDOFF_STREAM) == "all"


def test_partition_streams_are_disjoint_and_route_each_camera_once() -> None:
    streams = handoff_streams(9)
    assert [s.name for s in streams] == [f"RECORDING_HANDOFF_P{k}" for k in range(9)]
    for s in streams:
        assert s.retention == RECORDING_HANDOFF_STREAM.retention
        assert s.discard == RECORDING_HANDOFF_STREAM.discard
        assert s.max_msg_size == RECORDING_HANDOFF_STREAM.max_msg_size
        assert s.max_age_s == RECORDING_HANDOFF_STREAM.max_age_s
    # Every stream that may exist at once (any N, the single one, the rest of the catalog).
    everything = [
        *handoff_streams(MAX_HANDOFF_PARTITIONS),
        *(s for s in STREAMS),
    ]
    patterns = [p for s in everything for p in s.subjects]
    for camera in ("cam-1", "p3", "TN-001-0001"):
        for n in (1, 3, 9):
            subj = segment_closed_subject(camera, n, "t1")
            scoped = [s.scoped("t1") for s in everything]
            holders = [s.name for s in scoped if any(subject_matches(p, subj) for p in s.subjects)]
            want = handoff_streams(n)[handoff_partition(camera, n)].scoped("t1").name
            assert holders == [want], (camera, n, holders)
    assert len(patterns) == len(set(patterns))


def test_stream_names_parse_back() -> None:
    assert partition_label("T1_RECORDING_HANDOFF_P12", "t1") == "12"
    assert partition_label("T1_RECORDING_HANDOFF", "t1") == "all"
    assert partition_label("RECORDING_HANDOFF_P3", "t1") is None
    assert partition_label("T1_RECORDING", "t1") is None
    assert partition_label("T1_RECORDING_HANDOFF_PX", "t1") is None
    spec = handoff_stream_of("T1_RECORDING_HANDOFF_P5", "t1")
    assert spec is not None
    assert spec.name == "RECORDING_HANDOFF_P5"
    assert handoff_stream_of("T1_RECORDING_HANDOFF_P999", "t1") is None


def test_partitions_bounds() -> None:
    with pytest.raises(ValueError, match="partitions"):
        handoff_partition("cam-1", 0)
    with pytest.raises(ValueError, match="partitions"):
        handoff_streams(MAX_HANDOFF_PARTITIONS + 1)
    with pytest.raises(ValueError, match="camera_id"):
        segment_closed_subject("bad.id", 3)
