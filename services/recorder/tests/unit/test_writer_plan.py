"""The writers' spread over the hand-off partitions (ADR 0030) and their consumers."""

from __future__ import annotations

import collections

import pytest

from tncam_contracts.catalog import SEGMENT_CLOSED
from tncam_contracts.partitions import handoff_streams
from tncam_recorder.service.writers import WRITER_DURABLE, worker_plan, writer_consumer
from tncam_recorder.settings import RecorderSettings


@pytest.mark.parametrize(
    ("concurrency", "partitions", "per_partition"),
    [(4, 1, [4]), (4, 3, [2, 1, 1]), (2, 3, [1, 1, 1]), (18, 18, [1] * 18), (16, 18, [1] * 18)],
)
def test_writers_spread_at_least_one_per_partition(
    concurrency: int, partitions: int, per_partition: list[int]
) -> None:
    plan = worker_plan(concurrency, partitions)
    assert len(plan) == max(concurrency, partitions)
    counts = collections.Counter(plan)
    assert [counts[k] for k in range(partitions)] == per_partition


def settings(**extra: object) -> RecorderSettings:
    return RecorderSettings(
        environment="test",
        nats_namespace="t1",
        s3_access_key="k",
        s3_secret_key="s",
        signing_key="nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=",
        db_password="p",
        **extra,
    )


def test_single_stream_consumer_is_unchanged_and_partitions_share_its_policy() -> None:
    s = settings(handoff_partitions=3)
    single = writer_consumer(s)
    assert single.filter_subjects == (SEGMENT_CLOSED.filter("t1"),)
    for k, stream in enumerate(handoff_streams(3)):
        spec = writer_consumer(s, stream)
        assert spec.durable == WRITER_DURABLE
        assert spec.filter_subjects == (f"t1.tncam.recording.v1.segment_closed.p{k}.*",)
        assert (spec.ack_wait_s, spec.max_deliver, spec.backoff_s, spec.max_ack_pending) == (
            single.ack_wait_s,
            single.max_deliver,
            single.backoff_s,
            single.max_ack_pending,
        )


def test_partitions_setting_is_bounded() -> None:
    assert settings().handoff_partitions == 1
    with pytest.raises(ValueError, match="handoff_partitions"):
        settings(handoff_partitions=0)
    with pytest.raises(ValueError, match="handoff_partitions"):
        settings(handoff_partitions=65)
