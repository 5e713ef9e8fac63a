"""A real 3-node NATS cluster with JetStream (routes between the nodes) for the fault suite.

Each node is a ``nats-server`` process on 127.0.0.1 with its own client, monitor and route
ports and its own store; the nodes route to each other, so streams can be replicated (R3).
Any node can be stopped and started again on the same ports and store, or partitioned from
the others: every route goes through a :class:`TcpProxy` of its own, which ``partition`` cuts.
No route bypasses them: the route address each node gossips (``advertise``) refuses every
connection. (``no_advertise`` alone did not do it: routes learnt by gossip, pooled ones among
them, went straight to a node's route port, and a partition left some up.)
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from tncam_testkit.nats import DEFAULT_MAX_PAYLOAD, nats_server_binary
from tncam_testkit.procs import ManagedProcess, StartStop, distinct_free_ports, port_open
from tncam_testkit.tcp_proxy import TcpProxy


def _healthy(monitor_url: str) -> bool:
    """The node answers and its JetStream is current with the cluster's meta leader."""
    try:
        with urllib.request.urlopen(  # noqa: S310 - fixed http://127.0.0.1 URL
            f"{monitor_url}/healthz", timeout=1.0
        ) as resp:
            return int(resp.status) == 200
    except (urllib.error.URLError, OSError):
        return False


class ClusterNode:
    """One node of a :class:`NatsCluster`."""

    def __init__(self, workdir: Path, name: str, ports: tuple[int, int, int]) -> None:
        self.name = name
        self.workdir = workdir
        self.port, self.monitor_port, self.route_port = ports
        self.config_path = workdir / "nats-server.conf"
        self.proc = ManagedProcess(
            f"nats-server-{name}",
            [nats_server_binary(), "-c", str(self.config_path)],
            log_path=workdir / "nats-server.log",
            # Accepting clients; JetStream is healthy only once a quorum of nodes routes.
            ready=lambda: port_open(self.port),
            ready_timeout=30.0,
            stop_timeout=10.0,
        )

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor_port}"

    def write_config(self, routes: list[int], advertise: int) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        route_urls = ", ".join(json.dumps(f"nats-route://127.0.0.1:{p}") for p in routes)
        self.config_path.write_text(
            f"""# Written by tncam_testkit.nats_cluster; one node of a local 3-node cluster.
server_name: {json.dumps(self.name)}
listen: "127.0.0.1:{self.port}"
http: "127.0.0.1:{self.monitor_port}"
max_payload: {DEFAULT_MAX_PAYLOAD}

jetstream {{
  store_dir: {json.dumps(str(self.workdir / "js"))}
  sync_interval: always
}}

cluster {{
  name: "tncam-faults"
  listen: "127.0.0.1:{self.route_port}"
  routes: [{route_urls}]
  # Only the routes above (through the test's proxies): a route learnt by gossip (a pooled
  # one too) would bypass them, so the route address each node gossips refuses every
  # connection; and no client is told of the other nodes.
  advertise: "127.0.0.1:{advertise}"
  no_advertise: true
}}
""",
            encoding="utf-8",
        )


class NatsCluster(StartStop):
    """Three routed ``nats-server`` nodes with JetStream; ``url`` lists every node."""

    def __init__(self, workdir: Path, *, size: int = 3) -> None:
        ports = distinct_free_ports(3 * size)
        self.nodes = [
            ClusterNode(workdir / f"n{i + 1}", f"n{i + 1}", tuple(ports[3 * i : 3 * i + 3]))  # type: ignore[arg-type]
            for i in range(size)
        ]
        #: (from, to) node index -> the proxy node ``from``'s route to ``to`` goes through.
        self.proxies: dict[tuple[int, int], TcpProxy] = {}
        #: The route address every node gossips: always cut (a proxy refusing connections),
        #: so that the nodes route only through ``proxies``.
        self.nowhere: TcpProxy | None = None

    @property
    def url(self) -> str:
        """Every node's client URL, comma-separated (``TNCAM_NATS_URL`` accepts the list)."""
        return ",".join(n.url for n in self.nodes)

    def start(self, only: Sequence[int] | None = None) -> None:
        """Start every node; return once all are healthy (JetStream meta leader elected).

        With ``only``, start just those nodes (``start_node`` starts the others later) and
        return once they accept clients: fewer than a quorum have no meta leader, so
        JetStream requests (an R3 stream's creation) time out until more nodes start.
        """
        if self.nowhere is None:
            self.nowhere = self._proxy(self.nodes[0].route_port)
            self.nowhere.cut()
        if not self.proxies:
            for a in range(len(self.nodes)):
                for b in range(len(self.nodes)):
                    if a != b:
                        self.proxies[a, b] = self._proxy(self.nodes[b].route_port)
        for a, node in enumerate(self.nodes):
            node.write_config(
                [p.port for (src, _), p in self.proxies.items() if src == a], self.nowhere.port
            )
        started = [self.nodes[i] for i in only] if only is not None else self.nodes
        for node in started:
            node.proc.start()
        if only is None:
            for node in self.nodes:
                self.wait_healthy(node)

    def _proxy(self, upstream: int) -> TcpProxy:
        """A proxy to ``upstream``, listening on a port the kernel picks (read after it listens)
        that is none of the nodes' own: those were chosen free before and are not bound until
        the nodes start, so the kernel may hand one out meanwhile (a node then failed to
        start: "address already in use")."""
        reserved = {p for n in self.nodes for p in (n.port, n.monitor_port, n.route_port)}
        refused: list[TcpProxy] = []
        while True:
            proxy = TcpProxy(upstream)
            proxy.start()
            if proxy.port not in reserved:
                break
            refused.append(proxy)  # kept listening until then: the kernel picks another
        for r in refused:
            r.stop()
        return proxy

    @staticmethod
    def wait_healthy(node: ClusterNode, timeout: float = 60.0) -> None:
        """Wait until ``node``'s JetStream is healthy (current with the meta leader)."""
        deadline = time.monotonic() + timeout
        while not _healthy(node.monitor_url):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{node.name} not healthy:\n{node.proc.log_tail()}")
            time.sleep(0.2)

    def stop_node(self, index: int) -> None:
        """Stop one node (SIGTERM, killed after 10 s)."""
        self.nodes[index].proc.stop()

    def kill_node(self, index: int) -> None:
        """SIGKILL one node, as a lost machine."""
        node = self.nodes[index]
        if node.proc.proc is not None:
            node.proc.proc.kill()
            node.proc.proc.wait(timeout=10)
        node.proc.stop()

    def start_node(self, index: int) -> None:
        """Start a stopped node again on its ports and store; return once healthy."""
        self.nodes[index].proc.start()
        self.wait_healthy(self.nodes[index])

    def routes(self, index: int) -> list[tuple[str, int]]:
        """Node ``index``'s routes: the peer's name and the port it connected to (ours when
        the peer solicited the route, the peer's, or its proxy's, when we did)."""
        url = f"{self.nodes[index].monitor_url}/routez"
        with urllib.request.urlopen(url, timeout=2.0) as resp:  # noqa: S310 - fixed loopback URL
            routez = json.loads(resp.read())
        return [(str(r.get("remote_name")), int(r.get("port", 0))) for r in routez["routes"] or []]

    def partition(self, index: int) -> None:
        """Cut every route between node ``index`` and the others (clients still reach it)."""
        for (a, b), proxy in self.proxies.items():
            if index in (a, b):
                proxy.cut()

    def heal(self, index: int) -> None:
        """Let node ``index``'s routes through again."""
        for (a, b), proxy in self.proxies.items():
            if index in (a, b):
                proxy.mend()

    def stop(self) -> None:
        for node in self.nodes:
            node.proc.stop()
        for proxy in self.proxies.values():
            proxy.stop()
        self.proxies.clear()
        if self.nowhere is not None:
            self.nowhere.stop()
            self.nowhere = None
