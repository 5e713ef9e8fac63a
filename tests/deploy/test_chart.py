"""The Helm chart: lint, render with default and production values, validate every manifest."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "tncam"
HELM = ROOT / ".cache" / "bin" / "helm"
KUBE_VERSION = "1.30.0"
VALUES = {
    "default": [],
    "production": ["-f", str(CHART / "values-production.yaml")],
    "live-host-network": [
        "-f",
        str(CHART / "values-production.yaml"),
        "--set",
        "services.live.media.network=hostNetwork",
    ],
}
CUSTOM_METRICS = ["--api-versions", "custom.metrics.k8s.io/v1beta1"]


def _helm(*args: str) -> subprocess.CompletedProcess[str]:
    assert HELM.exists(), "helm is not built: run `make setup` (go install helm)"
    return subprocess.run(
        [str(HELM), *args], capture_output=True, text=True, check=False, timeout=120
    )


def _render(values: list[str]) -> list[dict[str, Any]]:
    result = _helm(
        "template",
        "tncam",
        str(CHART),
        "--namespace",
        "tncam",
        "--kube-version",
        KUBE_VERSION,
        "--api-versions",
        "monitoring.coreos.com/v1",
        *values,
    )
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.mark.parametrize("name", list(VALUES))
def test_helm_lint(name: str) -> None:
    result = _helm("lint", str(CHART), "--strict", "--kube-version", KUBE_VERSION, *VALUES[name])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", list(VALUES))
def test_rendered_manifests_are_valid_kubernetes(name: str, tmp_path: Path) -> None:
    docs = _render(VALUES[name])
    core = [d for d in docs if not str(d["apiVersion"]).startswith("monitoring.coreos.com")]
    out = tmp_path / "manifests.yaml"
    out.write_text(yaml.safe_dump_all(core))
    result = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "kubernetes-validate"),
            "--strict",
            "--quiet",
            "-k",
            KUBE_VERSION,
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_workload_is_locked_down() -> None:
    docs = _render(VALUES["production"])
    workloads = [d for d in docs if d["kind"] in {"Deployment", "Job"}]
    assert {str(d["metadata"]["name"]) for d in workloads} >= {
        f"tncam-{s}" for s in ("ingest", "recorder", "registry", "gateway", "audit", "live")
    }
    for d in workloads:
        spec = d["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["capabilities"]["drop"] == ["ALL"]
            assert c["resources"]["limits"]
            if d["kind"] == "Deployment":
                assert c["livenessProbe"]["httpGet"]["path"] == "/livez"
                assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_only_the_gateway_is_reachable_from_outside() -> None:
    docs = _render(VALUES["production"])
    policies = {d["metadata"]["name"]: d for d in docs if d["kind"] == "NetworkPolicy"}
    assert len(policies) == 6
    for name, policy in policies.items():
        rules = policy["spec"]["ingress"]
        if str(name).endswith("live"):
            # The live edge's media: UDP on its port range only, from the viewers' networks.
            media = [r for r in rules if any("ipBlock" in p for p in r["from"])]
            assert [p["protocol"] for r in media for p in r["ports"]] == ["UDP"]
            rules = [r for r in rules if r not in media]
        sources = [
            peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for rule in rules
            for peer in rule["from"]
        ]
        if str(name).endswith("gateway"):
            assert "ingress-nginx" in sources
        else:
            assert sources == ["monitoring"], (name, sources)
    ingresses = [d for d in docs if d["kind"] == "Ingress"]
    assert len(ingresses) == 1
    assert ingresses[0]["metadata"]["name"] == "tncam-gateway"


def test_migration_job_runs_before_install_and_upgrade() -> None:
    docs = _render(VALUES["default"])
    jobs = [d for d in docs if d["kind"] == "Job"]
    assert len(jobs) == 1
    annotations = jobs[0]["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    command = jobs[0]["spec"]["template"]["spec"]["containers"][0]["command"]
    assert command[:3] == ["python", "-m", "tncam_mesh.migrate_cli"]
    assert [command[i + 1] for i, a in enumerate(command) if a == "--service"] == [
        "audit",
        "gateway",
        "recorder",
        "registry",
    ]


def test_values_schema_rejects_a_typo_and_a_bad_url() -> None:
    bad = _helm(
        "template",
        "t",
        str(CHART),
        "--kube-version",
        KUBE_VERSION,
        "--set",
        "servcies.ingest.replicas=3",
    )
    assert bad.returncode != 0
    assert "servcies" in bad.stderr
    bad_url = _helm(
        "template",
        "t",
        str(CHART),
        "--kube-version",
        KUBE_VERSION,
        "--set",
        "database.url=mysql://db/tncam",
    )
    assert bad_url.returncode != 0
    assert "database" in bad_url.stderr


def test_chart_managed_secret_requires_every_key() -> None:
    result = _helm(
        "template",
        "t",
        str(CHART),
        "--kube-version",
        KUBE_VERSION,
        "--set",
        "s3.existingSecret=",
        "--set",
        "secretValues.s3.access-key=a",
    )
    assert result.returncode != 0
    assert "secretValues.s3.secret-key is required" in result.stderr


def test_grafana_dashboards_become_labelled_configmaps() -> None:
    docs = _render(VALUES["default"])
    maps = [d for d in docs if d["kind"] == "ConfigMap"]
    dashboards = sorted((ROOT / "deploy" / "grafana").glob("*.json"))
    assert len(maps) == len(dashboards) > 0
    for m in maps:
        assert m["metadata"]["labels"]["grafana_dashboard"] == "1"


def _live(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    [doc] = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == "tncam-live"]
    return doc


def _env(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e for e in container["env"]}


def test_live_edge_renders_with_its_media_ports_pdb_and_policy() -> None:
    docs = _render(VALUES["production"])
    deployment = _live(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert "hostNetwork" not in pod
    # Every ICE/UDP socket of the pod takes a port of the media range.
    assert pod["securityContext"]["sysctls"] == [
        {"name": "net.ipv4.ip_local_port_range", "value": "40000 40299"}
    ]
    [container] = pod["containers"]
    assert container["command"] == ["python", "-m", "tncam_live"]
    assert container["ports"] == [{"name": "http", "containerPort": 9106, "protocol": "TCP"}]
    env = _env(deployment)
    assert env["TNCAM_LIVE_HTTP_PORT"]["value"] == "9106"
    assert env["TNCAM_LIVE_MAX_VIEWERS"]["value"] == "100"
    assert env["TNCAM_LIVE_ICE_SERVERS"]["value"].split(",")[0].startswith("stun:")
    assert env["TNCAM_LIVE_NATS_USER"]["value"] == "tncam-live"
    assert "TNCAM_LIVE_ICE_HOST_ADDRESSES" not in env  # the pod's own address
    assert not any(k.startswith(("TNCAM_S3_", "TNCAM_DATABASE")) for k in env)

    service = _live(docs, "Service")
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 9106, "targetPort": "http", "protocol": "TCP"}
    ]
    assert _live(docs, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1

    policy = _live(docs, "NetworkPolicy")["spec"]
    media = [r for r in policy["ingress"] if any("ipBlock" in p for p in r["from"])]
    assert media == [
        {
            "from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
            "ports": [{"port": 40000, "endPort": 40299, "protocol": "UDP"}],
        }
    ]
    # Egress: DNS, NATS and the TURN server only (no PostgreSQL, no S3, no cameras).
    egress = [(p.get("port"), p["protocol"]) for r in policy["egress"] for p in r["ports"]]
    assert egress == [
        (53, "UDP"),
        (53, "TCP"),
        (4222, "TCP"),
        (3478, "UDP"),
        (3478, "TCP"),
    ]
    assert [r["to"] for r in policy["egress"]][-1] == [{"ipBlock": {"cidr": "203.0.113.10/32"}}]
    default_policy = _live(_render(VALUES["default"]), "NetworkPolicy")["spec"]
    assert [p["port"] for r in default_policy["egress"] for p in r["ports"]] == [53, 53, 4222]


def _hpa_metrics(*extra: str) -> list[dict[str, Any]]:
    docs = _render([*VALUES["production"], *extra])
    metrics: list[dict[str, Any]] = _live(docs, "HorizontalPodAutoscaler")["spec"]["metrics"]
    return metrics


def test_live_hpa_scales_on_viewers_and_falls_back_to_cpu() -> None:
    cpu = {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}},
    }
    viewers = {
        "type": "Pods",
        "pods": {
            "metric": {"name": "tncam_live_viewers"},
            "target": {"type": "AverageValue", "averageValue": "60"},
        },
    }
    # prometheus-adapter installed (the cluster serves custom.metrics.k8s.io): viewers and CPU.
    assert _hpa_metrics(*CUSTOM_METRICS) == [cpu, viewers]
    # Not installed: CPU alone (a Pods metric that cannot be read would block every scale-down).
    assert _hpa_metrics() == [cpu]
    assert _hpa_metrics("--set", "metrics.customMetricsApi=enabled") == [cpu, viewers]
    assert _hpa_metrics("--set", "metrics.customMetricsApi=disabled", *CUSTOM_METRICS) == [cpu]
    hpa = _live(_render(VALUES["production"]), "HorizontalPodAutoscaler")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 20)
    assert "replicas" not in _live(_render(VALUES["production"]), "Deployment")["spec"]


def test_live_on_the_host_network_offers_the_node_address() -> None:
    deployment = _live(_render(VALUES["live-host-network"]), "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["hostNetwork"] is True
    assert pod["dnsPolicy"] == "ClusterFirstWithHostNet"  # still resolves nats.nats.svc
    assert "sysctls" not in pod["securityContext"]  # a net.* sysctl would change the node's
    addresses = _env(deployment)["TNCAM_LIVE_ICE_HOST_ADDRESSES"]
    assert addresses["valueFrom"] == {"fieldRef": {"fieldPath": "status.hostIP"}}


def test_turn_credentials_come_only_from_a_secret() -> None:
    env = _env(_live(_render(VALUES["production"]), "Deployment"))
    for name, key in (
        ("TNCAM_LIVE_TURN_USERNAME", "turn-username"),
        ("TNCAM_LIVE_TURN_PASSWORD", "turn-password"),
    ):
        assert env[name] == {
            "name": name,
            "valueFrom": {"secretKeyRef": {"name": "tncam-turn", "key": key}},
        }
    # No TURN server, no credentials asked for.
    assert "TNCAM_LIVE_TURN_PASSWORD" not in _env(_live(_render(VALUES["default"]), "Deployment"))
    # A chart-managed TURN Secret needs both keys (never invented).
    result = _helm(
        "template",
        "t",
        str(CHART),
        "--kube-version",
        KUBE_VERSION,
        "--set",
        "services.live.ice.servers={turn:turn.example.vn:3478}",
        "--set",
        "turn.existingSecret=",
        "--set",
        "secretValues.turn.turn-username=edge",
    )
    assert result.returncode != 0
    assert "secretValues.turn.turn-password is required" in result.stderr


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        # 200 ports: one per viewer and 32 more, two per viewer with TURN.
        ("services.live.media.maxViewers=169", "at least 201 are needed (1 per viewer"),
        ("services.live.ice.servers={turn:turn.example.vn:3478}", "at least 232 are needed (2"),
        ("services.live.ice.servers={http://stun.example.vn}", "servers"),
        ("services.live.media.network=hostPort", "network"),
        ("services.live.database=true", "database"),
    ],
)
def test_live_values_are_checked(setting: str, message: str) -> None:
    result = _helm("template", "t", str(CHART), "--kube-version", KUBE_VERSION, "--set", setting)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr


def test_postgres_base_backups_are_scheduled_beside_the_cluster() -> None:
    """Issue 19: off by default; on, a CloudNativePG ScheduledBackup in the cluster's namespace."""
    assert not [d for d in _render([]) if d["kind"] == "ScheduledBackup"]
    docs = _render(["--set", "backup.postgres.scheduledBackup.enabled=true"])
    (backup,) = [d for d in docs if d["kind"] == "ScheduledBackup"]
    assert backup["apiVersion"] == "postgresql.cnpg.io/v1"
    assert backup["metadata"]["namespace"] == "postgres"
    assert backup["spec"]["cluster"] == {"name": "tncam-pg"}
    assert backup["spec"]["schedule"] == "0 0 2 * * *"
    assert backup["spec"]["method"] == "barmanObjectStore"
    # CloudNativePG's schedule has six fields (seconds first): a five-field cron is refused.
    bad = _helm(
        "template",
        "t",
        str(CHART),
        "--kube-version",
        KUBE_VERSION,
        "--set",
        "backup.postgres.scheduledBackup.schedule=0 2 * * *",
    )
    assert bad.returncode != 0
    assert "schedule" in bad.stderr
