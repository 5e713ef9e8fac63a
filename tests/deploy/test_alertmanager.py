"""The Alertmanager configuration of compose and of the chart: amtool accepts both, and routes
the alert rules by owning unit and by severity to the intended receivers (issue 15 item 4)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .test_chart import _render

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
CHART_VALUES = [
    "--set",
    "alertmanager.enabled=true",
    "--set",
    "alertmanager.smtp.smarthost=smtp.thainguyen.gov.vn:587",
    "--set",
    "alertmanager.smtp.from=canh-bao@thainguyen.gov.vn",
    "--set",
    "alertmanager.smtp.authUsername=tncam-canh-bao",
    "--set",
    "alertmanager.receivers.critical.emails[0]=truc-khan-cap@thainguyen.gov.vn",
    "--set",
    "alertmanager.receivers.critical.webhooks[0]=https://paging.thainguyen.gov.vn/am",
    "--set",
    "alertmanager.receivers.warning.emails[0]=van-hanh@thainguyen.gov.vn",
    "--set",
    "alertmanager.units[0].unit=commune-01",
    "--set",
    "alertmanager.units[0].emails[0]=it.xa01@thainguyen.gov.vn",
]


def _amtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("amtool")
    assert tool, "amtool is missing: `make setup` installs it (Debian prometheus-alertmanager)"
    return subprocess.run([tool, *args], capture_output=True, text=True, check=False, timeout=60)


def _routes(config: Path, *labels: str) -> str:
    result = _amtool("config", "routes", "test", f"--config.file={config}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def chart_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = _render(["-f", str(ROOT / "helm" / "tncam" / "values-production.yaml"), *CHART_VALUES])
    secret = next(
        d for d in docs if d["kind"] == "Secret" and d["metadata"]["name"].endswith("-alertmanager")
    )
    path = tmp_path_factory.mktemp("am") / "alertmanager.yml"
    path.write_text(secret["stringData"]["alertmanager.yaml"])
    return path


def test_amtool_accepts_the_compose_and_the_chart_configuration(chart_config: Path) -> None:
    for config in (COMPOSE_CONFIG, chart_config):
        result = _amtool("check-config", str(config))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "SUCCESS" in result.stdout


def test_routes_by_severity_and_by_unit(chart_config: Path) -> None:
    assert _routes(COMPOSE_CONFIG, "severity=critical") == "truc-khan-cap"
    assert _routes(COMPOSE_CONFIG, "severity=info") == "ban-tin-ky-thuat"
    # An alert naming a unit goes to the unit and still to the central operator.
    assert (
        _routes(COMPOSE_CONFIG, "unit=commune-01", "severity=warning")
        == "don-vi-commune-01,trung-tam-dieu-hanh"
    )
    assert _routes(COMPOSE_CONFIG, "unit=commune-02", "severity=warning") == "trung-tam-dieu-hanh"
    assert _routes(chart_config, "severity=critical") == "tncam-critical"
    assert _routes(chart_config, "unit=commune-01", "severity=critical") == (
        "tncam-unit-commune-01,tncam-critical"
    )
    assert _routes(chart_config, "alertname=Other") == "tncam-default"


def test_every_alert_rule_has_a_severity_route(chart_config: Path) -> None:
    rules = [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]
    severities = {r["labels"]["severity"] for r in rules}
    assert severities <= {"critical", "warning", "info"}
    for severity in severities:
        assert _routes(chart_config, f"severity={severity}") == f"tncam-{severity}"


def test_disabled_by_default_renders_nothing() -> None:
    docs = _render([])
    assert not [d for d in docs if d["metadata"]["name"].endswith("-alertmanager")]
