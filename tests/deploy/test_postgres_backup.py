"""PostgreSQL's backup and restore manifests (issue 19, docs/operations/backup.md).

- ``archive_timeout`` ≤ 60 s wherever tncam's PostgreSQL runs (compose, the CloudNativePG
  cluster and its restored twin): the bound of the index and audit RPO;
- the recovery Cluster (``deploy/postgres/cluster-recovery.yaml``) restores from exactly the
  object store the backed-up cluster writes (same path, endpoint, credentials, server name),
  like for like (instances, storage, parameters), and archives its own WAL under a new server
  name, never into the archive it was restored from.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _seconds(value: str) -> int:
    """A PostgreSQL time setting (``60``, ``60s``, ``1min``) in seconds."""
    for unit, factor in {"min": 60, "ms": 0, "s": 1}.items():
        if value.endswith(unit):
            return int(value.removesuffix(unit)) * factor
    return int(value)


def test_seconds_reads_postgres_units() -> None:
    assert [_seconds(v) for v in ("60", "60s", "1min", "5min")] == [60, 60, 60, 300]


@pytest.mark.parametrize("manifest", ["cluster.yaml", "cluster-recovery.yaml"])
def test_archive_timeout_bounds_the_index_and_audit_rpo_in_kubernetes(manifest: str) -> None:
    cluster = _load(DEPLOY / "postgres" / manifest)
    assert 0 < _seconds(cluster["spec"]["postgresql"]["parameters"]["archive_timeout"]) <= 60


def test_archive_timeout_bounds_the_index_and_audit_rpo_on_compose() -> None:
    command = _load(DEPLOY / "compose" / "compose.yml")["services"]["postgres"]["command"]
    settings = dict(arg.split("=", 1) for flag, arg in itertools.pairwise(command) if flag == "-c")
    assert 0 < _seconds(settings["archive_timeout"]) <= 60


def test_the_recovery_cluster_restores_from_the_backed_up_clusters_archive() -> None:
    source = _load(DEPLOY / "postgres" / "cluster.yaml")
    restored = _load(DEPLOY / "postgres" / "cluster-recovery.yaml")
    assert restored["kind"] == source["kind"] == "Cluster"
    assert restored["apiVersion"] == source["apiVersion"] == "postgresql.cnpg.io/v1"
    spec, src = restored["spec"], source["spec"]
    assert set(spec["bootstrap"]) == {"recovery"}  # no initdb: the data comes from the backup
    origin = spec["bootstrap"]["recovery"]["source"]
    (external,) = [c for c in spec["externalClusters"] if c["name"] == origin]
    # The archive's server name is the backed-up cluster's name (or its serverName).
    written = src["backup"]["barmanObjectStore"]
    assert external["barmanObjectStore"].get("serverName", origin) == written.get(
        "serverName", source["metadata"]["name"]
    )
    for key in ("destinationPath", "endpointURL", "s3Credentials"):
        assert external["barmanObjectStore"][key] == written[key], key
    # Like for like.
    for key in ("instances", "minSyncReplicas", "maxSyncReplicas", "storage", "postgresql"):
        assert spec[key] == src[key], key
    assert spec["superuserSecret"] == src["superuserSecret"]
    # Its own WAL goes to a new server name: the archive it was restored from stays as it was.
    own = spec["backup"]["barmanObjectStore"]
    own_name = own.get("serverName", restored["metadata"]["name"])
    assert own["destinationPath"] == written["destinationPath"]
    assert own_name != external["barmanObjectStore"].get("serverName", origin)
    assert restored["metadata"]["name"] != source["metadata"]["name"]
    assert spec["backup"]["retentionPolicy"] == src["backup"]["retentionPolicy"]
