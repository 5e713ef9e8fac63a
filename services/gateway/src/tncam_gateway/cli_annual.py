"""``tncam annual-report``: the annual report per unit from the command line, gathered like
the API's ``GET /reports/annual`` (exports and break-glass grants from the gateway's schema,
breaches from the audit service, the rest composed by the registry)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import annual_pb2 as apb
from tncam_gateway.clients.audit import AuditLog
from tncam_gateway.clients.registry import CameraDirectory
from tncam_gateway.service.annual import AnnualReports
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.bus import connect_settings
from tncam_mesh.clock import utc_now
from tncam_mesh.db import create_engine, service_url, session_factory
from tncam_mesh.errors import TncamError, UnavailableError
from tncam_mesh.settings import load_settings

FORMATS: dict[str, apb.AnnualReportFormat] = {
    "json": apb.ANNUAL_REPORT_FORMAT_JSON,
    "xlsx": apb.ANNUAL_REPORT_FORMAT_XLSX,
    "pdf": apb.ANNUAL_REPORT_FORMAT_PDF,
}


def _actor() -> actor_pb2.Actor:
    user = getpass.getuser()
    return actor_pb2.Actor(
        id=os.environ.get("TNCAM_ACTOR_ID", f"cli:{user}"),
        display_name=os.environ.get("TNCAM_ACTOR_NAME", user),
        role=actor_pb2.ROLE_PROVINCE_ADMIN,
    )


async def annual_report(
    settings: GatewaySettings,
    *,
    year: int,
    report_format: apb.AnnualReportFormat,
    unit_id: str,
) -> apb.GetAnnualReportReply:
    """The report, as a province admin, with the gateway's settings (database and bus)."""
    url = service_url(
        settings.database_url,
        user=settings.db_user,
        password=settings.db_password.get_secret_value(),
    )
    engine = create_engine(
        url, schema=settings.db_schema, pool_size=1, application_name="tncam-cli"
    )
    bus = await connect_settings(settings, name="tncam-cli", timeout=5.0)
    try:
        async with bus:
            ns, timeout = settings.nats_namespace, max(settings.rpc_timeout_s, 30.0)
            reports = AnnualReports(
                sessions=session_factory(engine),
                directory=CameraDirectory(bus, namespace=ns, timeout_s=timeout),
                audit_log=AuditLog(bus, namespace=ns, timeout_s=timeout),
                clock=utc_now,
            )
            return await reports.build(
                _actor(), year=year, report_format=report_format, unit_id=unit_id
            )
    finally:
        await engine.dispose()


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(GatewaySettings)
        reply = asyncio.run(
            annual_report(
                settings, year=args.year, report_format=FORMATS[args.format], unit_id=args.unit
            )
        )
    except UnavailableError as e:
        print(f"tncam annual-report: không kết nối được dịch vụ: {e.message}", file=sys.stderr)
        return 3
    except TncamError as e:
        print(f"tncam annual-report: {e.code}: {e.message}", file=sys.stderr)
        return 1
    if args.output == "-":
        sys.stdout.buffer.write(reply.document)
        return 0
    out = Path(args.output or reply.filename)
    out.write_bytes(reply.document)
    print(f"Đã ghi báo cáo năm {args.year}: {out} ({len(reply.report.rows)} đơn vị)")
    if not reply.report.outside_included:
        print("Chú ý: thiếu số liệu sự cố lộ lọt (nhật ký kiểm toán không trả lời)")
    return 0


def register(subparsers: Any) -> None:
    """Add ``tncam annual-report`` to the ``tncam`` command."""
    p = subparsers.add_parser(
        "annual-report", help="annual report per unit with its score (JSON, XLSX, PDF)"
    )
    p.add_argument("--year", type=int, default=dt.date.today().year - 1)
    p.add_argument("--format", choices=sorted(FORMATS), default="xlsx")
    p.add_argument("--unit", default="", help="only this unit (e.g. commune-05512)")
    p.add_argument("-o", "--output", help="file to write ('-' = stdout); default: suggested name")
    p.set_defaults(func=_run)
