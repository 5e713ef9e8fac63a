"""Dashboards and alert rules reference only metrics the running services really export."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tncam_testkit.procs import start_together
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
# Target labels, not metrics: the ServiceMonitors and the compose Prometheus add it to every target.
TARGET_LABELS = {"tncam_service"}
RUNBOOKS = ROOT / "docs" / "runbooks"
RUNBOOK_BASE = "https://git.thainguyen.gov.vn/tncam/tncam/-/blob/main/docs/runbooks/"


@pytest.fixture(scope="module")
def scrapes(
    mesh_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    env = {**mesh_env, "TNCAM_NATS_NAMESPACE": f"obs{os.getpid()}"}
    logs = tmp_path_factory.mktemp("obs-logs")
    procs = [ServiceProcess(s, env=env, log_dir=logs) for s in SERVICES]
    try:
        start_together(procs)
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
    return set(METRIC_RE.findall(text)) - TARGET_LABELS


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


def _alerts() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text())
    return [r for g in doc["groups"] for r in g["rules"] if "alert" in r]


def test_every_alert_is_complete_and_has_a_runbook() -> None:
    for rule in _alerts():
        name = rule["alert"]
        assert "for" in rule, name
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, name
        notes = rule["annotations"]
        assert notes["summary"], name
        assert notes["description"], name
        url = notes["runbook_url"]
        assert url.startswith(RUNBOOK_BASE), (name, url)
        page, _, anchor = url.removeprefix(RUNBOOK_BASE).partition("#")
        assert anchor == name.lower(), (name, url)
        text = (RUNBOOKS / page).read_text()
        assert f"\n## {name}\n" in text, f"{page} has no section for {name}"


def test_alerts_select_services_by_label_not_by_job_name() -> None:
    exprs = [r["expr"] for r in _alerts()]
    assert not [e for e in exprs if "job=" in e.replace(" ", "")], "a release may have any name"


def _panels() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.stem, panel)
        for path in DASHBOARDS
        for panel in json.loads(path.read_text())["panels"]
    ]


def test_dashboards_have_variables_descriptions_and_rate_intervals() -> None:
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        names = {v["name"] for v in board["templating"]["list"]}
        assert {"datasource", "namespace"} <= names, path.name
    variables = {
        p.stem: {v["name"] for v in json.loads(p.read_text())["templating"]["list"]}
        for p in DASHBOARDS
    }
    assert "commune" in variables["province-overview"]
    assert "service" in variables["service-health"]
    for board, panel in _panels():
        assert panel["description"].strip(), (board, panel["title"])
        for target in panel["targets"]:
            expr = target["expr"]
            assert "$namespace" in expr, (board, panel["title"])
            # rate() windows follow the scrape interval; increase() windows are the panel's meaning.
            for _, window in re.findall(r"\brate\(\w+(\{[^}]*\})?\[([^\]]+)\]", expr):
                assert window in {"$__rate_interval", "1h", "15m"}, (board, panel["title"], expr)


def test_whole_database_gauges_are_never_summed_over_replicas() -> None:
    gauges = ("tncam_registry_cameras{", "tncam_recorder_storage_bytes", "tncam_registry_overdue")
    for board, panel in _panels():
        for target in panel["targets"]:
            expr = target["expr"]
            for gauge in gauges:
                at = expr.find(gauge)
                if at >= 0:
                    assert expr[:at].rstrip(" (").endswith(("max", "max by", ")")), (
                        board,
                        panel["title"],
                        expr,
                    )
                    assert "max by" in expr or "max(" in expr, (board, panel["title"], expr)


def _dashboard_expr(board: str, title: str) -> str:
    [panel] = [p for b, p in _panels() if b == board and p["title"] == title]
    expr: str = panel["targets"][0]["expr"]
    return expr.replace("$namespace", ".*").replace("$commune", ".*")


def test_province_overview_counts_each_camera_once_on_two_registry_replicas(
    tmp_path: Path,
) -> None:
    """7 lost cameras, the registry on 2 replicas: the overview says 7 (it once said 14)."""
    lost = _dashboard_expr("province-overview", "Mất kết nối / Lost connection")
    by_state = _dashboard_expr("province-overview", "Camera theo trạng thái / Cameras by state")
    storage = _dashboard_expr("recorder", "Storage by retention class")
    series = []
    for replica in ("registry-a", "registry-b"):
        for commune, name, n in (("01", "Phường Phan Đình Phùng", 4), ("12", "Xã Đồng Hỷ", 3)):
            labels = (
                f'job="tncam-registry",instance="{replica}",namespace="tncam",'
                f'commune="{commune}",commune_name="{name}",commune_kind="xa"'
            )
            series.append(
                {"series": f'tncam_registry_cameras{{{labels},state="lost"}}', "values": f"{n}x5"}
            )
            series.append(
                {
                    "series": f'tncam_registry_cameras{{{labels},state="connected"}}',
                    "values": "10x5",
                }
            )
    for replica in ("recorder-a", "recorder-b", "recorder-c"):
        series.append(
            {
                "series": f'tncam_recorder_storage_bytes{{instance="{replica}",'
                'retention_class="standard"}',
                "values": "1000x5",
            }
        )
    case = {
        "interval": "1m",
        "input_series": series,
        "promql_expr_test": [
            {"expr": lost, "eval_time": "2m", "exp_samples": [{"labels": "{}", "value": 7}]},
            {
                "expr": by_state,
                "eval_time": "2m",
                "exp_samples": [
                    {"labels": '{state="connected"}', "value": 20},
                    {"labels": '{state="lost"}', "value": 7},
                ],
            },
            {
                "expr": storage,
                "eval_time": "2m",
                "exp_samples": [{"labels": '{retention_class="standard"}', "value": 1000}],
            },
        ],
    }
    (tmp_path / "none.yml").write_text("groups: []\n")
    tests = tmp_path / "dashboards.test.yml"
    tests.write_text(yaml.safe_dump({"rule_files": ["none.yml"], "tests": [case]}))
    result = subprocess.run(
        [PROMTOOL, "test", "rules", str(tests)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
