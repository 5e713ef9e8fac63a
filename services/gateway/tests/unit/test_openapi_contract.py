"""The OpenAPI document as generated clients read it (issue 20): problem details under
application/problem+json, short camelCase operation ids, enums for closed sets, one pagination
convention, security schemes, roles from the policy, response headers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tncam_gateway.api.paging import next_token, offset_of
from tncam_gateway.domain.policy import REQUIRED_ROLES, Access, Action
from tncam_gateway.domain.roles import Role
from tncam_gateway.openapi import DOCUMENT, document, render
from tncam_mesh.errors import InvalidInputError

SPEC = document()
OPERATIONS = [
    (path, method, op) for path, ops in SPEC["paths"].items() for method, op in ops.items()
]
SCHEMAS = SPEC["components"]["schemas"]


def test_the_committed_document_is_the_generated_one() -> None:
    assert DOCUMENT.read_text("utf-8") == render()


def test_operation_ids_are_short_unique_camel_case_and_not_fastapis() -> None:
    ids = [op["operationId"] for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids)) == len(OPERATIONS) >= 50
    for op_id in ids:
        assert re.fullmatch(r"[a-z][a-zA-Z0-9]{2,39}", op_id), op_id
        # FastAPI's default is <function>_<path>_<method> (list_cameras_api_v1_cameras_get),
        # which generators turn into listCamerasApiV1CamerasGet: neither shape, nor the path.
        assert not re.search(r"api|V1", op_id, re.IGNORECASE), op_id
    assert {"listCameras", "getCamera", "createPlayback", "whepOffer"} <= set(ids)


def test_every_error_is_a_problem_under_problem_json() -> None:
    text = json.dumps(SPEC)
    assert "HTTPValidationError" not in text
    assert "ValidationError" not in SCHEMAS
    assert SCHEMAS["Problem"]["required"] == ["type", "title", "status", "detail", "code"]
    for path, method, op in OPERATIONS:
        errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        assert "429" in errors, (method, path)  # the address rate limit runs first
        if op.get("parameters") or op.get("requestBody"):
            assert "422" in errors, (method, path)
        if op.get("security"):
            assert "401" in errors, (method, path)
        for status, response in errors.items():
            assert response["content"] == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (method, path, status)
            if status in ("429", "503"):
                assert "Retry-After" in response["headers"], (method, path, status)


def _enum(schema: dict[str, Any]) -> list[str]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    options = schema.get("anyOf") or [schema]
    for option in options:
        while "$ref" in option:
            option = SCHEMAS[option["$ref"].rsplit("/", 1)[-1]]
        if "enum" in option:
            return list(option["enum"])
    raise AssertionError(f"no enum in {schema}")


@pytest.mark.parametrize(
    ("schema", "field", "values"),
    [
        ("CameraOut", "state", {"connected", "lost_connection", "never_connected", "unstable"}),
        ("CameraOut", "site_kind", {"service_center", "committee_hq", "square"}),
        ("PictureQualityOut", "verdict", {"good", "poor", "unknown"}),
        ("ReportQualityItem", "site_kind", {"service_center", "committee_hq", "square"}),
        ("ExportOut", "status", {"pending", "ready", "rejected", "failed"}),
        ("ExportOut", "kind", {"quick", "approval"}),
        ("ExportOut", "purpose", {"public_order", "traffic_safety", "other"}),
        ("AccountOut", "status", {"active", "disabled"}),
        ("AccountOut", "role", {r.value for r in Role}),
        ("Me", "role", {r.value for r in Role}),
        ("LiveCreate", "stream", {"main", "sub"}),
        ("LiveOut", "stream", {"main", "sub"}),
        ("GrantOut", "legal_basis", {"emergency_command", "committee_approval"}),
        ("AnalyticsOut", "basis", {"public_order", "traffic_safety", "approval_document", ""}),
        ("ReportCell", "text", {"Có", "Mất kết nối", "Chưa kết nối", ""}),
        ("ProblemOut", "kind", {"gap", "chain", "bad_signature"}),
    ],
)
def test_closed_sets_are_enums(schema: str, field: str, values: set[str]) -> None:
    assert values <= set(_enum(SCHEMAS[schema]["properties"][field]))


def _param(path: str, method: str, name: str) -> dict[str, Any]:
    for p in SPEC["paths"][path][method]["parameters"]:
        if p["name"] == name:
            return dict(p)
    raise AssertionError(f"{method} {path} has no {name}")


def test_closed_query_parameters_are_enums_and_no_pattern_alternatives_remain() -> None:
    assert set(_enum(_param("/api/v1/exports", "get", "kind")["schema"])) == {"quick", "approval"}
    assert set(_enum(_param("/api/v1/accounts", "get", "status")["schema"])) == {
        "active",
        "disabled",
    }
    assert "xlsx" in _enum(_param("/api/v1/reports/connection-status", "get", "format")["schema"])
    assert "extraction" in _enum(_param("/api/v1/audit/log", "get", "view")["schema"])
    assert "denied" in _enum(_param("/api/v1/audit/log", "get", "outcome")["schema"])
    kinds = _param("/api/v1/cameras", "get", "site_kind")["schema"]["anyOf"][0]["items"]
    assert "square" in _enum(kinds)
    verdicts = _param("/api/v1/cameras", "get", "quality")["schema"]["anyOf"][0]["items"]
    assert set(_enum(verdicts)) == {"good", "poor", "unknown"}
    flags = _param("/api/v1/cameras", "get", "quality_flag")["schema"]["anyOf"][0]["items"]
    assert {"black", "frozen", "low_fps", "codec_mismatch"} <= set(_enum(flags))
    assert not re.search(r'"pattern": "\^\([a-z_]+\|', json.dumps(SPEC))


def test_one_pagination_convention_everywhere() -> None:
    lists = [
        (path, method, op)
        for path, method, op in OPERATIONS
        if any(p["name"] == "page_token" for p in op.get("parameters", []))
    ]
    assert {path for path, _, _ in lists} == {
        "/api/v1/cameras",
        "/api/v1/accounts",
        "/api/v1/accounts/review",
        "/api/v1/exports",
        "/api/v1/grants",
        "/api/v1/audit/log",
        "/api/v1/audit/log.csv",
        # Operator duties (issue 15).
        "/api/v1/units",
        "/api/v1/sites",
        "/api/v1/tickets",
        "/api/v1/maintenance",
        "/api/v1/deadlines",
        "/api/v1/needs",
        "/api/v1/notifications",
    }
    for path, method, op in OPERATIONS:
        names = {p["name"] for p in op.get("parameters", [])}
        assert not names & {"limit", "offset"}, (method, path)
        if "page_token" in names:
            assert "page_size" in names, path
    pages = ("CameraPage", "AccountPage", "ReviewPage", "ExportPage", "GrantPage", "LogPage")
    duties = ("UnitPage", "SitePage", "TicketPage", "MaintenancePage", "DeadlinePage", "NeedsPage")
    for page in (*pages, *duties, "NoticePage"):
        assert {"items", "next_page_token"} <= set(SCHEMAS[page]["properties"]), page
    review = SPEC["paths"]["/api/v1/accounts/review"]["get"]["responses"]["200"]
    assert review["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReviewPage"
    }
    assert "page_token" in SPEC["info"]["description"]


def test_page_tokens_round_trip_and_forgeries_are_refused() -> None:
    assert offset_of("") == 0
    token = next_token(0, 100, 250)
    assert offset_of(token) == 100
    assert offset_of(next_token(100, 100, 250)) == 200
    assert next_token(200, 50, 250) == ""  # the last page
    assert next_token(0, 0, 0) == ""
    for forged in ("forged", "bzEwMDAwMDAwMDAw", "eDEw", "%%%", "b-1"):
        with pytest.raises(InvalidInputError) as e:
            offset_of(forged)
        assert e.value.code == "gateway.request.invalid_page_token"


def test_security_schemes_servers_and_headers() -> None:
    schemes = SPEC["components"]["securitySchemes"]
    assert set(schemes["OAuth2"]["flows"]) == {"password", "clientCredentials"}
    assert schemes["PlaybackToken"] == schemes["PlaybackToken"] | {
        "type": "apiKey",
        "in": "query",
        "name": "token",
    }
    assert schemes["LiveToken"]["scheme"] == "bearer"
    assert SPEC["servers"]
    paths = SPEC["paths"]
    for path in (
        "/api/v1/playback/{playback_id}/index.m3u8",
        "/api/v1/recordings/segments/{segment_ref}",
        "/api/v1/recordings/cameras/{camera_id}/init/{init_ref}",
    ):
        op = paths[path]["get"]
        assert op["security"] == [{"PlaybackToken": []}], path
        assert all(p["name"] != "token" for p in op["parameters"]), path
    for path, method in (
        ("/api/v1/live/{session_id}/whep", "post"),
        ("/api/v1/live/{session_id}/whep/session", "patch"),
        ("/api/v1/live/{session_id}/whep/session", "delete"),
    ):
        assert paths[path][method]["security"] == [{"LiveToken": []}]
    assert (
        "Location" in paths["/api/v1/live/{session_id}/whep"]["post"]["responses"]["201"]["headers"]
    )
    for path in ("/api/v1/recordings/segments/{segment_ref}",):
        assert "ETag" in paths[path]["get"]["responses"]["200"]["headers"]
    report = paths["/api/v1/reports/connection-status"]["get"]["responses"]["200"]["content"]
    assert report["application/json"]["schema"] == {"$ref": "#/components/schemas/ConnectionReport"}


def test_required_roles_come_from_the_policy_table() -> None:
    assert REQUIRED_ROLES[Action.AUDIT_READ] == {Role.AUDITOR}
    assert REQUIRED_ROLES[Action.ACCOUNT_ADMIN] == {Role.PROVINCE_ADMIN}
    assert REQUIRED_ROLES[Action.REPORT_READ] == set(Role) - {Role.AUDITOR}
    assert REQUIRED_ROLES[Action.REPORT_NOTE_WRITE] == {Role.PROVINCE_ADMIN}
    assert REQUIRED_ROLES[Action.FOOTAGE_QUICK_EXTRACT] == {Role.UNIT_OPERATOR}
    assert Role.AUDITOR not in REQUIRED_ROLES[Action.FOOTAGE_VIEW]
    assert Role.PROVINCE_ADMIN in REQUIRED_ROLES[Action.FOOTAGE_VIEW]  # through a grant
    assert REQUIRED_ROLES[Access.PUBLIC] == frozenset()
    assert REQUIRED_ROLES[Access.SESSION] == frozenset(Role)
    by_id = {op["operationId"]: op for _, _, op in OPERATIONS}
    for _, _, op in OPERATIONS:
        assert isinstance(op["x-required-roles"], list), op["operationId"]
        assert set(op["x-required-roles"]) <= {r.value for r in Role}
    # The auditor, and a unit's leader (an operator or viewer account with the flag).
    assert by_id["queryAuditLog"]["x-required-roles"] == ["auditor", "unit_operator", "unit_viewer"]
    assert by_id["createUnit"]["x-required-roles"] == ["province_admin"]
    assert by_id["closeTicket"]["x-required-roles"] == ["province_admin", "unit_operator"]
    assert "app_client" not in by_id["listNeeds"]["x-required-roles"]
    assert "app_client" in by_id["getCameraHistory"]["x-required-roles"]
    assert by_id["listAccounts"]["x-required-roles"] == ["province_admin"]
    assert by_id["issueToken"]["x-required-roles"] == []
    assert by_id["createExport"]["x-required-roles"] == sorted(
        r.value for r in REQUIRED_ROLES[Action.FOOTAGE_EXPORT] | {Role.UNIT_OPERATOR}
    )


def test_the_report_format_follows_accept_when_not_named() -> None:
    from tncam_gateway.api.reports import negotiate
    from tncam_gateway.domain.vocabulary import ReportFormat

    assert negotiate("application/pdf") is ReportFormat.PDF
    assert negotiate("text/html, application/xhtml+xml;q=0.9") is ReportFormat.HTML
    assert negotiate("text/csv;q=0.8") is ReportFormat.CSV
    assert negotiate("*/*") is ReportFormat.JSON
    assert negotiate("") is ReportFormat.JSON
