"""The sizes (helm/tncam/values-{1k,10k}.yaml, deploy/nats/helm-values-*, deploy/postgres/
sizing-*) agree with the capacity model of docs/operations/capacity.md (tncam_testkit.capacity):
a change to the measured costs or to a file that breaks the other fails here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tncam_testkit.capacity import MEASURED, model

ROOT = Path(__file__).resolve().parents[2]
SIZES = {"1k": 1_000, "10k": 10_000}
BACKLOG_S = 600  # the NATS file store holds 10 minutes of hand-off backlog
_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def _bytes(quantity: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)", quantity)
    assert m is not None, quantity
    return float(m[1]) * _UNITS[m[2]]


def _cores(quantity: str | int | float) -> float:
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def _load(path: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / path).read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("size", list(SIZES))
def test_replicas_and_resources_follow_the_model(size: str) -> None:
    fleet = model(SIZES[size])
    services = _load(f"helm/tncam/values-{size}.yaml")["services"]
    ingest, recorder = services["ingest"], services["recorder"]
    per_pod = int(ingest["autoscaling"]["customMetric"]["targetAverageValue"])
    assert per_pod <= fleet.ingest_per_pod  # a pod never planned above what one core holds
    for svc, need in ((ingest, fleet.ingest_pods), (recorder, fleet.recorder_pods)):
        assert svc["replicas"] >= need
        assert svc["autoscaling"]["minReplicas"] >= need
        assert svc["autoscaling"]["maxReplicas"] > svc["autoscaling"]["minReplicas"]
        assert _cores(svc["resources"]["requests"]["cpu"]) >= MEASURED.core_budget
    # Every camera has a pod at the planned sessions per pod, with one pod to spare.
    assert (ingest["autoscaling"]["minReplicas"] - 1) * per_pod >= SIZES[size]
    rss = (MEASURED.ingest_fixed_rss_mb + per_pod * MEASURED.ingest_rss_mb) * 2**20
    assert _bytes(ingest["resources"]["requests"]["memory"]) >= rss
    assert _bytes(ingest["resources"]["limits"]["memory"]) >= 1.5 * rss
    # The spool holds 10 minutes of a pod's hand-off without the bus.
    spool = per_pod * MEASURED.bitrate_mbit * 1e6 / 8 * BACKLOG_S
    assert _bytes(ingest["spool"]["size"]) >= spool


@pytest.mark.parametrize("size", list(SIZES))
def test_nats_and_postgresql_sizes_follow_the_model(size: str) -> None:
    fleet = model(SIZES[size])
    nats = _load(f"deploy/nats/helm-values-{size}.yaml")["config"]
    servers = nats["cluster"]["replicas"]
    store = _bytes(nats["jetstream"]["fileStore"]["pvc"]["size"])
    backlog = fleet.nats_mb_s * 1e6 * BACKLOG_S * MEASURED.nats_replicas
    assert servers * store >= backlog
    assert _bytes(nats["jetstream"]["fileStore"]["maxSize"]) < store
    pg = _load(f"deploy/postgres/sizing-{size}.yaml")["spec"]
    assert _bytes(pg["storage"]["size"]) >= 1.5 * fleet.pg_index_gb[30] * 1e9
    assert _cores(pg["resources"]["requests"]["cpu"]) >= fleet.pg_cores
