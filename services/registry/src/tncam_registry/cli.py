"""``tncam cameras …``, ``tncam report …``, ``tncam deadlines …``: the registry over NATS.

The commands talk to a running registry through its NATS operations, with the shared
settings ``TNCAM_NATS_URL`` (``TNCAM_NATS_USER`` / ``TNCAM_NATS_PASSWORD`` /
``TNCAM_NATS_CREDS_FILE``) and ``TNCAM_NATS_NAMESPACE``. The acting user is recorded in the
audit log as ``TNCAM_ACTOR_ID`` (default ``cli:<login name>``) with the province-admin role.

Exit codes: 0 done, 1 rejected or failed (e.g. a file with errors: nothing was imported),
2 bad usage or unreadable local file, 3 the registry is unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from google.protobuf.message import Message

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import camera_state_pb2, changes_pb2, service_pb2
from tncam_contracts import catalog
from tncam_mesh.bus import Bus, connect_settings
from tncam_mesh.errors import ConfigurationError, TncamError, UnavailableError
from tncam_mesh.rpc import call
from tncam_mesh.settings import ServiceSettings, load_settings
from tncam_registry.domain.calendar import VN_TZ

R = TypeVar("R", bound=Message)
EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3
STATE_VI = {
    camera_state_pb2.CAMERA_STATE_CONNECTED: "Có",
    camera_state_pb2.CAMERA_STATE_LOST: "Mất kết nối",
    camera_state_pb2.CAMERA_STATE_NEVER: "Chưa kết nối",
    camera_state_pb2.CAMERA_STATE_UNSTABLE: "Không ổn định",
}
STATE_ARGS = {
    "connected": camera_state_pb2.CAMERA_STATE_CONNECTED,
    "lost": camera_state_pb2.CAMERA_STATE_LOST,
    "never": camera_state_pb2.CAMERA_STATE_NEVER,
    "unstable": camera_state_pb2.CAMERA_STATE_UNSTABLE,
}


def actor() -> actor_pb2.Actor:
    """Who runs the command."""
    user = getpass.getuser()
    return actor_pb2.Actor(
        id=os.environ.get("TNCAM_ACTOR_ID", f"cli:{user}"),
        display_name=os.environ.get("TNCAM_ACTOR_NAME", user),
        role=actor_pb2.ROLE_PROVINCE_ADMIN,
    )


async def _with_bus(work: Callable[[Bus, str], Awaitable[int]]) -> int:
    # The shared NATS settings only (TNCAM_NATS_*): the CLI needs none of the service's own.
    settings = load_settings(ServiceSettings)
    bus = await connect_settings(settings, name="tncam-cli", timeout=5.0)
    async with bus:
        return await work(bus, settings.nats_namespace)


def _run(work: Callable[[Bus, str], Awaitable[int]]) -> int:
    try:
        return asyncio.run(_with_bus(work))
    except ConfigurationError as e:
        print(f"tncam: {e.message}", file=sys.stderr)
        return EXIT_USAGE
    except UnavailableError as e:
        print(f"tncam: không kết nối được dịch vụ registry: {e.message}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except TncamError as e:
        print(f"tncam: {e.code}: {e.message}", file=sys.stderr)
        return EXIT_REJECTED


async def _call(bus: Bus, ns: str, spec: catalog.RequestSpec, req: Message, rep: type[R]) -> R:
    return await call(bus, spec, req, rep, namespace=ns, timeout=120.0)


# ------------------------------------------------------------------------------- cameras


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as e:
        print(f"tncam: không đọc được tệp {path}: {e.strerror}", file=sys.stderr)
        return EXIT_USAGE

    async def work(bus: Bus, ns: str) -> int:
        req = service_pb2.ImportCamerasRequest(
            actor=actor(), filename=path.name, content=content, dry_run=args.dry_run
        )
        reply = await _call(
            bus, ns, catalog.REGISTRY_IMPORT_CAMERAS, req, service_pb2.ImportCamerasReply
        )
        if not reply.accepted:
            print(
                f"Tệp {path.name} bị từ chối: {len(reply.errors)} lỗi, "
                "không camera nào được nhập. Sửa các lỗi sau rồi nhập lại:",
                file=sys.stderr,
            )
            for e in reply.errors:
                where = f"dòng {e.row}" if e.row else "tệp"
                column = f", cột {e.column}" if e.column else ""
                print(f"  {where}{column}: {e.message} [{e.code}]", file=sys.stderr)
            return EXIT_REJECTED
        verb = "Kiểm tra xong (không ghi)" if args.dry_run else "Đã nhập"
        print(
            f"{verb} {path.name}: {reply.rows} dòng — {reply.created} camera mới, "
            f"{reply.updated} cập nhật, {reply.unchanged} không đổi."
        )
        return EXIT_OK

    return _run(work)


def cmd_list(args: argparse.Namespace) -> int:
    async def work(bus: Bus, ns: str) -> int:
        req = service_pb2.ListCamerasRequest(
            actor=actor(),
            commune_codes=args.commune or [],
            site_kinds=args.site_kind or [],
            states=[STATE_ARGS[s] for s in args.state or []],
            owner_unit_id=args.unit or "",
            sector=args.sector or "",
            include_inactive=args.all,
            page_size=500,
        )
        shown = 0
        while True:
            reply = await _call(
                bus, ns, catalog.REGISTRY_LIST_CAMERAS, req, service_pb2.ListCamerasReply
            )
            for c in reply.cameras:
                print(
                    f"{c.id}\t{c.commune_code}\t{c.site_kind}\t{STATE_VI.get(c.state, '?')}"
                    f"\t{c.name}\t{c.rtsp_url}"
                )
                shown += 1
            if not reply.next_page_token:
                break
            req.page_token = reply.next_page_token
        print(f"{shown} camera", file=sys.stderr)
        return EXIT_OK

    return _run(work)


def cmd_deactivate(args: argparse.Namespace) -> int:
    async def work(bus: Bus, ns: str) -> int:
        req = service_pb2.DeactivateCameraRequest(actor=actor(), id=args.id, reason=args.reason)
        reply = await _call(
            bus, ns, catalog.REGISTRY_DEACTIVATE_CAMERA, req, service_pb2.DeactivateCameraReply
        )
        if reply.HasField("change_request"):
            print(f"Chờ phê duyệt: yêu cầu {reply.change_request.id} (camera {reply.camera.id}).")
        else:
            print(f"Đã ngừng camera {reply.camera.id} (revision {reply.camera.revision}).")
        return EXIT_OK

    return _run(work)


_CHANGE_STATUS = {
    "pending": changes_pb2.CHANGE_STATUS_PENDING,
    "approved": changes_pb2.CHANGE_STATUS_APPROVED,
    "rejected": changes_pb2.CHANGE_STATUS_REJECTED,
    "all": changes_pb2.CHANGE_STATUS_UNSPECIFIED,
}
_STATUS_VI = {
    changes_pb2.CHANGE_STATUS_PENDING: "chờ duyệt",
    changes_pb2.CHANGE_STATUS_APPROVED: "đã duyệt",
    changes_pb2.CHANGE_STATUS_REJECTED: "từ chối",
}


def cmd_changes(args: argparse.Namespace) -> int:
    async def work(bus: Bus, ns: str) -> int:
        req = changes_pb2.ListCameraChangeRequestsRequest(
            actor=actor(), status=_CHANGE_STATUS[args.status], camera_id=args.camera or ""
        )
        reply = await _call(
            bus,
            ns,
            catalog.REGISTRY_LIST_CHANGE_REQUESTS,
            req,
            changes_pb2.ListCameraChangeRequestsReply,
        )
        for r in reply.requests:
            when = r.requested_at.ToDatetime().strftime("%Y-%m-%d %H:%M")
            print(
                f"{r.id}\t{r.camera_id}\t{r.owner_unit_id}\t{_STATUS_VI.get(r.status, '')}\t"
                f"{when}\t{r.requested_by}\t{'; '.join(r.summary)}\t{r.reason}"
            )
        print(f"{len(reply.requests)} yêu cầu", file=sys.stderr)
        return EXIT_OK

    return _run(work)


def cmd_decide(args: argparse.Namespace) -> int:
    approve = args.cameras_command == "approve"

    async def work(bus: Bus, ns: str) -> int:
        req = changes_pb2.DecideCameraChangeRequest(
            actor=actor(), id=args.id, approve=approve, reason=getattr(args, "reason", "")
        )
        reply = await _call(
            bus,
            ns,
            catalog.REGISTRY_DECIDE_CHANGE_REQUEST,
            req,
            changes_pb2.DecideCameraChangeReply,
        )
        r = reply.request
        print(f"Yêu cầu {r.id} (camera {r.camera_id}): {_STATUS_VI.get(r.status, '')}.")
        return EXIT_OK

    return _run(work)


def _register_changes(sub: Any) -> None:
    p = sub.add_parser("changes", help="change requests that would hide a camera (to approve)")
    p.add_argument("--status", choices=sorted(_CHANGE_STATUS), default="pending")
    p.add_argument("--camera", help="only this camera")
    p.set_defaults(func=cmd_changes)
    p = sub.add_parser("approve", help="approve a change request (the change applies now)")
    p.add_argument("id")
    p.set_defaults(func=cmd_decide)
    p = sub.add_parser("reject", help="reject a change request (the camera stays as it is)")
    p.add_argument("id")
    p.add_argument("--reason", required=True, help="why (shown to the unit, audited)")
    p.set_defaults(func=cmd_decide)


def register(subparsers: Any) -> None:
    """``tncam cameras import|list|deactivate|changes|approve|reject``."""
    parser = subparsers.add_parser("cameras", help="camera registry (import, list, deactivate)")
    sub = parser.add_subparsers(dest="cameras_command", metavar="COMMAND", required=True)
    p = sub.add_parser("import", help="import cameras from a CSV or XLSX file (all or nothing)")
    p.add_argument(
        "file",
        help="CSV (UTF-8) or XLSX; columns code,name,commune_code,site_kind,"
        "rtsp_url[,owner_unit,sector,onvif_url,vendor,model,codec,qcvn135_cert,"
        "installed_on,...]",
    )
    p.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("list", help="list cameras with their connection state")
    p.add_argument("--commune", action="append", help="commune code (repeatable)")
    p.add_argument(
        "--site-kind",
        action="append",
        choices=["service_center", "committee_hq", "square", "public_place", "sector_site"],
    )
    p.add_argument("--state", action="append", choices=sorted(STATE_ARGS))
    p.add_argument("--unit", help="owning unit id")
    p.add_argument("--sector", help="sector code")
    p.add_argument("--all", action="store_true", help="include deactivated cameras")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("deactivate", help="deactivate a camera (ingest stops pulling it)")
    p.add_argument("id")
    p.add_argument("--reason", default="", help="why (recorded in the audit log)")
    p.set_defaults(func=cmd_deactivate)
    _register_changes(sub)


# -------------------------------------------------------------------------------- report

_FORMATS = {
    "json": service_pb2.REPORT_FORMAT_JSON,
    "csv": service_pb2.REPORT_FORMAT_CSV,
    "xlsx": service_pb2.REPORT_FORMAT_XLSX,
    "html": service_pb2.REPORT_FORMAT_HTML,
    "pdf": service_pb2.REPORT_FORMAT_PDF,
}


def _instant(text: str) -> dt.datetime:
    """``--as-of``: an ISO 8601 instant; without an offset it is Vietnam time."""
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=VN_TZ)


def cmd_report(args: argparse.Namespace) -> int:
    async def work(bus: Bus, ns: str) -> int:
        req = service_pb2.GetConnectionReportRequest(actor=actor(), format=_FORMATS[args.format])
        if args.as_of:
            req.as_of.FromDatetime(args.as_of)
        reply = await _call(
            bus,
            ns,
            catalog.REGISTRY_GET_CONNECTION_REPORT,
            req,
            service_pb2.GetConnectionReportReply,
        )
        if args.output == "-":
            sys.stdout.buffer.write(reply.document)
        else:
            out = Path(args.output or reply.filename)
            await asyncio.to_thread(out.write_bytes, reply.document)
            print(f"Đã ghi báo cáo: {out}")
            for line in reply.report.totals:
                print(line)
        return EXIT_OK

    return _run(work)


def register_report(subparsers: Any) -> None:
    """``tncam report connection``."""
    parser = subparsers.add_parser("report", help="official reports of the registry")
    sub = parser.add_subparsers(dest="report_command", metavar="COMMAND", required=True)
    p = sub.add_parser("connection", help="camera connection report per commune (the appendix)")
    p.add_argument("--format", choices=sorted(_FORMATS), default="xlsx")
    p.add_argument("-o", "--output", help="file to write ('-' = stdout); default: suggested name")
    p.add_argument(
        "--as-of",
        type=_instant,
        help="a past instant, e.g. 2026-03-20T08:30 (Vietnam time) or with an offset",
    )
    p.set_defaults(func=cmd_report)
    n = sub.add_parser("note", help="write a commune's note in the connection report")
    n.add_argument("commune_code")
    n.add_argument("text", help="the note; '' removes it (the generated note shows again)")
    n.set_defaults(func=cmd_note)


def cmd_note(args: argparse.Namespace) -> int:
    async def work(bus: Bus, ns: str) -> int:
        req = service_pb2.SetReportNoteRequest(
            actor=actor(), commune_code=args.commune_code, text=args.text
        )
        reply = await _call(
            bus, ns, catalog.REGISTRY_SET_REPORT_NOTE, req, service_pb2.SetReportNoteReply
        )
        print(f"{reply.commune_code}: {reply.text or '(ghi chú tự động)'}")
        return EXIT_OK

    return _run(work)


# ----------------------------------------------------------------------------- deadlines


def cmd_overdue(args: argparse.Namespace) -> int:
    async def work(bus: Bus, ns: str) -> int:
        req = service_pb2.ListOverdueDeadlinesRequest(
            actor=actor(),
            as_of=args.as_of or "",
            kinds=args.kind or [],
            upcoming_days=args.upcoming,
            owner_unit_id=args.unit,
        )
        reply = await _call(
            bus,
            ns,
            catalog.REGISTRY_LIST_OVERDUE_DEADLINES,
            req,
            service_pb2.ListOverdueDeadlinesReply,
        )
        for d in reply.deadlines:
            print(
                f"{d.kind}\t{d.camera_id or d.owner_unit_id}\t{d.due_on}\t"
                f"+{d.days_overdue}\t{d.detail}"
            )
        print(f"{len(reply.deadlines)} hạn đã quá", file=sys.stderr)
        return EXIT_OK

    return _run(work)


def register_deadlines(subparsers: Any) -> None:
    """``tncam deadlines overdue``."""
    parser = subparsers.add_parser("deadlines", help="deadlines on Vietnamese working days")
    sub = parser.add_subparsers(dest="deadlines_command", metavar="COMMAND", required=True)
    p = sub.add_parser("overdue", help="deadlines past due")
    p.add_argument("--as-of", help="YYYY-MM-DD (default today)")
    p.add_argument(
        "--kind",
        action="append",
        choices=["connection", "registry_update", "maintenance", "fault_fix", "annual_needs"],
    )
    p.add_argument("--upcoming", type=int, default=0, help="also those due within N days")
    p.add_argument("--unit", default="", help="one owning unit's")
    p.set_defaults(func=cmd_overdue)
