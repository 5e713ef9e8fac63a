"""The Helm chart: lint, render with default and production values, validate every manifest."""

from __future__ import annotations

import subprocess
from pathlib import Path

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
}


def _helm(*args: str) -> subprocess.CompletedProcess[str]:
    assert HELM.exists(), "helm is not built: run `make setup` (go install helm)"
    return subprocess.run(
        [str(HELM), *args], capture_output=True, text=True, check=False, timeout=120
    )


def _render(values: list[str]) -> list[dict[str, object]]:
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
    assert {str(d["metadata"]["name"]) for d in workloads} >= {  # type: ignore[index]
        f"tncam-{s}" for s in ("ingest", "recorder", "registry", "gateway", "audit")
    }
    for d in workloads:
        spec = d["spec"]["template"]["spec"]  # type: ignore[index]
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
    policies = {d["metadata"]["name"]: d for d in docs if d["kind"] == "NetworkPolicy"}  # type: ignore[index]
    assert len(policies) == 5
    for name, policy in policies.items():
        sources = [
            peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for rule in policy["spec"]["ingress"]  # type: ignore[index]
            for peer in rule["from"]
        ]
        if str(name).endswith("gateway"):
            assert "ingress-nginx" in sources
        else:
            assert sources == ["monitoring"], (name, sources)
    ingresses = [d for d in docs if d["kind"] == "Ingress"]
    assert len(ingresses) == 1
    assert ingresses[0]["metadata"]["name"] == "tncam-gateway"  # type: ignore[index]


def test_migration_job_runs_before_install_and_upgrade() -> None:
    docs = _render(VALUES["default"])
    jobs = [d for d in docs if d["kind"] == "Job"]
    assert len(jobs) == 1
    annotations = jobs[0]["metadata"]["annotations"]  # type: ignore[index]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    command = jobs[0]["spec"]["template"]["spec"]["containers"][0]["command"]  # type: ignore[index]
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
        assert m["metadata"]["labels"]["grafana_dashboard"] == "1"  # type: ignore[index]
