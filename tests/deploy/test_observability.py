"""Dashboards and alert rules reference only metrics the running services really export."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tncam_testkit.services import SERVICES, ServiceProcess, http_get

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "deploy" / "grafana").glob("*.json"))
RULES = ROOT / "deploy" / "prometheus" / "rules.yml"
CHART_FILES = ROOT / "helm" / "tncam" / "files"
PROMTOOL = "promtool"
METRIC_RE = re.compile(r"\btncam_[a-z0-9_]+\b")
SUFFIXES = ("", "_total", "_bucket", "_sum", "_count", "_info")
# Series that Prometheus itself provides.
BUILTIN = {"up"}


@pytest.fixture(scope="module")
def scrapes(
    mesh_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    env = {**mesh_env, "TNCAM_NATS_NAMESPACE": f"obs{os.getpid()}"}
    logs = tmp_path_factory.mktemp("obs-logs")
    procs = [ServiceProcess(s, env=env, log_dir=logs) for s in SERVICES]
    try:
        for p in procs:
            p.start()
        out = {}
        for p in procs:
            status, body = http_get(f"{p.url}/metrics")
            assert status == 200
            out[p.service] = body.decode()
        yield out
    finally:
        for p in procs:
            p.stop()


def exported_names(scrapes: dict[str, str]) -> set[str]:
    names: set[str] = set()
    for text in scrapes.values():
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                base = line.split()[2]
                names.update(base + s for s in SUFFIXES)
            elif line and not line.startswith("#"):
                names.add(line.split("{", 1)[0].split(" ", 1)[0])
    return names


def referenced(text: str) -> set[str]:
    return set(METRIC_RE.findall(text))


def rule_exprs() -> list[str]:
    doc = yaml.safe_load(RULES.read_text())
    return [r["expr"] for g in doc["groups"] for r in g["rules"]]


def test_there_are_dashboards_for_every_audience() -> None:
    names = {p.stem for p in DASHBOARDS}
    assert names >= {"province-overview", "ingest", "recorder", "gateway", "audit"}


def test_dashboards_reference_only_exported_metrics(scrapes: dict[str, str]) -> None:
    exported = exported_names(scrapes)
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        exprs = [
            t["expr"]
            for panel in dashboard["panels"]
            for t in panel.get("targets", [])
            if "expr" in t
        ]
        assert exprs, path.name
        missing = set().union(*(referenced(e) for e in exprs)) - exported
        assert not missing, f"{path.name} uses metrics no service exports: {sorted(missing)}"


def test_alert_rules_reference_only_exported_metrics(scrapes: dict[str, str]) -> None:
    exported = exported_names(scrapes)
    missing = set().union(*(referenced(e) for e in rule_exprs())) - exported
    assert not missing, f"rules.yml uses metrics no service exports: {sorted(missing)}"


def test_promtool_accepts_every_scrape(scrapes: dict[str, str]) -> None:
    for service, text in scrapes.items():
        result = subprocess.run(
            [PROMTOOL, "check", "metrics"],
            input=text,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, (service, result.stdout, result.stderr)


def test_promtool_checks_and_unit_tests_the_rules() -> None:
    check = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    tests = subprocess.run(
        [PROMTOOL, "test", "rules", str(RULES.with_name("rules.test.yml"))],
        capture_output=True,
        text=True,
        check=False,
        cwd=RULES.parent,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_every_alert_has_a_unit_test() -> None:
    alerts = {
        r["alert"]
        for g in yaml.safe_load(RULES.read_text())["groups"]
        for r in g["rules"]
        if "alert" in r
    }
    tests = yaml.safe_load(RULES.with_name("rules.test.yml").read_text())
    tested = {a["alertname"] for t in tests["tests"] for a in t.get("alert_rule_test", [])}
    assert alerts <= tested, sorted(alerts - tested)


def test_chart_carries_the_same_dashboards_and_rules() -> None:
    assert (CHART_FILES / "rules.yml").read_text() == RULES.read_text()
    chart_dashboards = sorted((CHART_FILES / "dashboards").glob("*.json"))
    assert [p.name for p in chart_dashboards] == [p.name for p in DASHBOARDS]
    for a, b in zip(chart_dashboards, DASHBOARDS, strict=True):
        assert a.read_text() == b.read_text(), f"run make dashboards ({a.name})"
