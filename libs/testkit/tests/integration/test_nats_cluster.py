"""NatsCluster: every route goes through the test's proxies, so a partition cuts them all.

Routes learnt by gossip (pooled ones among them) used to go straight to a node's route port:
a node "partitioned" kept some routes to its peers, and its clients could still reach the
quorum (seen in the fault suite: a worker on the node cut off went on renewing its leases).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tncam_testkit.nats_cluster import NatsCluster

pytestmark = pytest.mark.integration


def test_a_partitioned_node_keeps_no_route_and_routes_only_through_the_proxies(
    tmp_path: Path,
) -> None:
    cluster = NatsCluster(tmp_path / "nats")
    cluster.start()
    try:
        direct = {n.route_port for n in cluster.nodes}
        proxies = {p.port for p in cluster.proxies.values()}
        for i in range(3):
            # Every route a node solicited went to a proxy, none to a peer's own route port.
            ports = {port for _, port in cluster.routes(i)}
            assert not ports & direct, (i, cluster.routes(i))
        assert any({port for _, port in cluster.routes(i)} & proxies for i in range(3))
        cluster.partition(2)
        deadline = time.monotonic() + 10
        while left := cluster.routes(2):
            assert time.monotonic() < deadline, left
            time.sleep(0.1)
        assert {name for name, _ in cluster.routes(0)} == {"n2"}
        cluster.heal(2)
        deadline = time.monotonic() + 20
        while {name for name, _ in cluster.routes(2)} != {"n1", "n2"}:
            assert time.monotonic() < deadline, cluster.routes(2)
            time.sleep(0.1)
    finally:
        cluster.stop()
