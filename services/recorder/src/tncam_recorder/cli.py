"""``tncam export verify FILE``: check an export file offline (no network, no service);
``tncam holds …``, ``tncam decommission …`` and ``tncam gaps …``: legal holds, decommissioning
with its technical sign-off and gap reports over NATS."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp

from tncam.common.v1 import actor_pb2
from tncam.recording.v1 import recording_api_pb2 as api
from tncam.registry.v1 import service_pb2 as rpb
from tncam_contracts.catalog import (
    RECORDING_DECOMMISSION,
    RECORDING_GET_GAP_REPORT,
    RECORDING_LIST_DECOMMISSIONS,
    RECORDING_LIST_LEGAL_HOLDS,
    RECORDING_PLACE_LEGAL_HOLD,
    RECORDING_RELEASE_LEGAL_HOLD,
    RECORDING_SIGN_OFF_DECOMMISSION,
    REGISTRY_LIST_CAMERAS,
)
from tncam_mesh.bus import connect_settings
from tncam_mesh.errors import ConfigurationError, TncamError, UnavailableError
from tncam_mesh.rpc import call
from tncam_mesh.settings import ServiceSettings, load_settings
from tncam_recorder.domain.signing import SigningKeyError, load_public_key
from tncam_recorder.media.exportfile import verify_bundle


def register(subparsers: Any) -> None:
    """Add the ``export`` command group to the ``tncam`` command."""
    parser = subparsers.add_parser("export", help="export files (trích xuất): offline verification")
    sub = parser.add_subparsers(dest="export_command", metavar="COMMAND", required=True)
    verify = sub.add_parser(
        "verify",
        help="verify an export file: signature, every hash, nothing changed or missing",
    )
    verify.add_argument("file", type=Path, help="the export file (.zip)")
    verify.add_argument(
        "--public-key",
        type=Path,
        help="the recorder's published Ed25519 public key (PEM); without it the key inside "
        "the file is used and its fingerprint must be compared by hand",
    )
    verify.add_argument("--json", action="store_true", help="print the verdict as JSON")
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Exit 0 when the file verifies, 1 when it does not, 2 on a usage error."""
    key = None
    if args.public_key is not None:
        try:
            key = load_public_key(args.public_key.read_bytes())
        except (OSError, SigningKeyError, ValueError) as e:
            print(f"tncam export verify: cannot read public key: {e}", file=sys.stderr)
            return 2
    if not args.file.is_file():
        print(f"tncam export verify: {args.file}: no such file", file=sys.stderr)
        return 2
    result = verify_bundle(args.file, key)
    m = result.manifest
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "problems": result.problems,
                    "signer": result.signer,
                    "export_id": m.get("export_id"),
                    "camera_id": m.get("camera_id"),
                    "segments": len(m.get("segments", [])),
                },
                ensure_ascii=False,
            )
        )
        return 0 if result.ok else 1
    if result.ok:
        rng = m.get("range", {})
        print("HỢP LỆ — tệp trích xuất nguyên vẹn, chữ ký hợp lệ (export file verified)")
        print(f"  camera: {m.get('camera_id')}  từ {rng.get('start')} đến {rng.get('end')}")
        print(
            f"  đoạn ghi (segments): {len(m.get('segments', []))}, gaps: {len(m.get('gaps', []))}"
        )
        print(f"  người yêu cầu (requester): {m.get('requester', {}).get('display_name')}")
        print(f"  mục đích (purpose): {m.get('purpose', {}).get('text')}")
        print(f"  khóa ký (signer): {result.signer}")
        if key is None:
            print("  lưu ý: so khớp dấu vân tay khóa ký với khóa công bố (compare the fingerprint)")
        return 0
    print("KHÔNG HỢP LỆ — tệp trích xuất đã bị thay đổi hoặc thiếu (export file FAILED)")
    for problem in result.problems:
        print(f"  - {problem}")
    return 1


# ------------------------------------------------------------------ holds, gaps (over NATS)
#
# ``tncam holds place|release|list`` and ``tncam gaps camera|commune`` do what the gateway's
# ``/legal-holds`` and ``/…/gaps`` do, over the recorder's (and the registry's) NATS operations
# with the shared settings ``TNCAM_NATS_*``; the acting user is recorded as ``TNCAM_ACTOR_ID``
# (default ``cli:<login name>``) with the province-admin role. Exit codes: 0 done, 1 refused,
# 2 bad usage, 3 the service is unreachable.

EXIT_REJECTED, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3


def _actor() -> Any:

    user = getpass.getuser()
    return actor_pb2.Actor(
        id=os.environ.get("TNCAM_ACTOR_ID", f"cli:{user}"),
        display_name=os.environ.get("TNCAM_ACTOR_NAME", user),
        role=actor_pb2.ROLE_PROVINCE_ADMIN,
    )


def _rpc(calls: Any) -> tuple[int, Any]:
    """Run ``calls(request)`` with a connected request function; (exit code, result)."""

    async def work() -> Any:
        settings = load_settings(ServiceSettings)
        bus = await connect_settings(settings, name="tncam-cli", timeout=5.0)
        async with bus:

            async def request(spec: Any, req: Any, rep: Any) -> Any:
                ns = settings.nats_namespace
                return await call(bus, spec, req, rep, namespace=ns, timeout=120.0)

            return await calls(request)

    try:
        return 0, asyncio.run(work())
    except ConfigurationError as e:
        print(f"tncam: {e.message}", file=sys.stderr)
        return EXIT_USAGE, None
    except UnavailableError as e:
        print(f"tncam: {e.code}: {e.message}", file=sys.stderr)
        return EXIT_UNAVAILABLE, None
    except TncamError as e:
        print(f"tncam: {e.code}: {e.message}", file=sys.stderr)
        return EXIT_REJECTED, None


def _as_dict(msg: Any) -> dict[str, Any]:

    out: dict[str, Any] = MessageToDict(msg, preserving_proto_field_name=True)
    return out


def _instant(text: str) -> Any:

    t = dt.datetime.fromisoformat(text)
    if t.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text}: give an offset, e.g. +07:00")
    out = Timestamp()
    out.FromDatetime(t)
    return out


def _print_hold(h: Any) -> None:
    state = "đã chấm dứt" if h.HasField("released_at") else "đang lưu giữ"
    print(
        f"{h.hold_id}  {h.case_reference}  {h.document_number}  {h.authority}  "
        f"{','.join(h.camera_ids)}  {state}"
    )


def cmd_hold_place(args: argparse.Namespace) -> int:

    req = api.PlaceLegalHoldRequest(
        case_reference=args.case,
        authority=args.authority,
        document_number=args.document,
        reason=args.reason,
        camera_ids=args.camera,
        start=args.start,
        end=args.end,
        actor=_actor(),
    )
    code, reply = _rpc(lambda rq: rq(RECORDING_PLACE_LEGAL_HOLD, req, api.LegalHoldReply))
    if code == 0 and args.json:
        print(json.dumps(_as_dict(reply.hold), ensure_ascii=False))
    elif code == 0:
        _print_hold(reply.hold)
    return code


def cmd_hold_release(args: argparse.Namespace) -> int:

    req = api.ReleaseLegalHoldRequest(hold_id=args.hold_id, reason=args.reason, actor=_actor())
    code, reply = _rpc(lambda rq: rq(RECORDING_RELEASE_LEGAL_HOLD, req, api.LegalHoldReply))
    if code == 0:
        _print_hold(reply.hold)
    return code


def cmd_hold_list(args: argparse.Namespace) -> int:

    async def every(rq: Any) -> list[Any]:
        found: list[Any] = []
        token = ""
        while True:
            req = api.ListLegalHoldsRequest(
                active_only=args.active,
                camera_id=args.camera or "",
                case_reference=args.case or "",
                page_size=500,
                page_token=token,
            )
            reply = await rq(RECORDING_LIST_LEGAL_HOLDS, req, api.ListLegalHoldsReply)
            found.extend(reply.holds)
            token = reply.next_page_token
            if not token:
                return found

    code, holds = _rpc(every)
    if code == 0:
        if args.json:
            print(json.dumps([_as_dict(h) for h in holds], ensure_ascii=False))
        for h in [] if args.json else holds:
            _print_hold(h)
    return code


def register_holds(subparsers: Any) -> None:
    """Add the ``holds`` command group (legal holds, lưu giữ theo vụ việc) to ``tncam``."""
    parser = subparsers.add_parser("holds", help="legal holds (lưu giữ theo vụ việc)")
    sub = parser.add_subparsers(dest="holds_command", metavar="COMMAND", required=True)
    p = sub.add_parser("place", help="hold footage of cameras in a range for a case")
    p.add_argument("--case", required=True, help="case reference, e.g. VV-2026-0142")
    p.add_argument("--authority", required=True, help="the competent authority")
    p.add_argument("--document", required=True, help="its written request's number")
    p.add_argument("--reason", required=True)
    p.add_argument("--camera", action="append", required=True, help="a camera id (repeat)")
    p.add_argument("--from", dest="start", type=_instant, required=True, help="RFC 3339")
    p.add_argument("--to", dest="end", type=_instant, required=True, help="RFC 3339")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_hold_place)
    p = sub.add_parser("release", help="release a hold once its case is closed")
    p.add_argument("hold_id")
    p.add_argument("--reason", required=True, help="e.g. the closing decision")
    p.set_defaults(func=cmd_hold_release)
    p = sub.add_parser("list", help="list holds, newest first")
    p.add_argument("--active", action="store_true", help="only holds not yet released")
    p.add_argument("--camera")
    p.add_argument("--case")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_hold_list)


def cmd_gaps(args: argparse.Namespace) -> int:

    async def report(rq: Any) -> list[Any]:
        cameras = [args.target] if args.scope == "camera" else []
        token = ""
        while args.scope == "commune":
            req = rpb.ListCamerasRequest(
                actor=_actor(), commune_codes=[args.target], page_size=500, page_token=token
            )
            page = await rq(REGISTRY_LIST_CAMERAS, req, rpb.ListCamerasReply)
            cameras.extend(c.id for c in page.cameras)
            token = page.next_page_token
            if not token:
                break
        if not cameras:
            return []
        gap_req = api.GetGapReportRequest(camera_ids=cameras, date=args.date)
        reply = await rq(RECORDING_GET_GAP_REPORT, gap_req, api.GapReportReply)
        return list(reply.cameras)

    code, days = _rpc(report)
    if code == 0:
        if args.json:
            print(json.dumps([_as_dict(d) for d in days], ensure_ascii=False))
        for d in [] if args.json else days:
            print(
                f"{d.camera_id}  ghi được {d.recorded_seconds:.0f} s, thiếu {d.gap_seconds:.0f} s"
                f" ({d.coverage:.1%}), {len(d.gaps)} khoảng trống"
            )
    return code


def register_gaps(subparsers: Any) -> None:
    """Add the ``gaps`` command group (recorded vs expected time on one day) to ``tncam``."""
    parser = subparsers.add_parser("gaps", help="gap report: recorded vs expected time per day")
    sub = parser.add_subparsers(dest="scope", metavar="SCOPE", required=True)
    for scope, what in (("camera", "a camera id"), ("commune", "a commune code, e.g. 01")):
        p = sub.add_parser(scope, help=f"the report of {what}")
        p.add_argument("target", help=what)
        p.add_argument("--date", required=True, help="the day (UTC+7), YYYY-MM-DD")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=cmd_gaps)


def _print_decommission(d: api.DecommissionRecord) -> None:
    signed = (
        f"ký bởi {d.sign_off.signer_name} ({d.sign_off.signer_role}) ngày {d.sign_off.signed_on}"
        if d.HasField("sign_off")
        else "CHƯA có biên bản xác nhận"
    )
    print(f"{d.certificate_id}  {d.scope}  {d.camera_id or '-'}  {signed}")


def cmd_decommission_camera(args: argparse.Namespace) -> int:
    req = api.DecommissionRequest(
        scope=api.DECOMMISSION_SCOPE_CAMERA,
        camera_id=args.camera_id,
        reason=args.reason,
        document_reference=args.document,
        actor=_actor(),
    )
    code, cert = _rpc(lambda rq: rq(RECORDING_DECOMMISSION, req, api.DeletionCertificateReply))
    if code == 0:
        print(json.dumps(_as_dict(cert), ensure_ascii=False) if args.json else cert.certificate_id)
    return code


def cmd_decommission_sign_off(args: argparse.Namespace) -> int:
    req = api.SignOffDecommissionRequest(
        certificate_id=args.certificate_id,
        signer_name=args.signer,
        signer_role=args.role,
        signed_on=args.date,
        note=args.note,
        actor=_actor(),
    )
    code, record = _rpc(lambda rq: rq(RECORDING_SIGN_OFF_DECOMMISSION, req, api.DecommissionRecord))
    if code == 0:
        _print_decommission(record)
    return code


def cmd_decommission_list(args: argparse.Namespace) -> int:
    async def every(rq: Any) -> list[Any]:
        found: list[Any] = []
        token = ""
        while True:
            req = api.ListDecommissionsRequest(
                unsigned_only=args.unsigned, page_size=500, page_token=token
            )
            reply = await rq(RECORDING_LIST_DECOMMISSIONS, req, api.ListDecommissionsReply)
            found.extend(reply.decommissions)
            token = reply.next_page_token
            if not token:
                return found

    code, records = _rpc(every)
    if code == 0 and args.json:
        print(json.dumps([_as_dict(d) for d in records], ensure_ascii=False))
    elif code == 0:
        for d in records:
            _print_decommission(d)
    return code


def register_decommission(subparsers: Any) -> None:
    """Add the ``decommission`` command group (Art. 11.4) to ``tncam``."""
    parser = subparsers.add_parser(
        "decommission", help="wipe a camera's footage (signed certificate), technical sign-off"
    )
    sub = parser.add_subparsers(dest="decommission_command", metavar="COMMAND", required=True)
    p = sub.add_parser("camera", help="delete every version of a camera's footage, certified")
    p.add_argument("camera_id")
    p.add_argument("--reason", required=True)
    p.add_argument("--document", required=True, help="the decision that ordered it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_decommission_camera)
    p = sub.add_parser("sign-off", help="record the technical department's minutes (once)")
    p.add_argument("certificate_id")
    p.add_argument("--signer", required=True, help="who signed the minutes")
    p.add_argument("--role", required=True, help="their role or title")
    p.add_argument("--date", required=True, help="date of the minutes, YYYY-MM-DD (UTC+7)")
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_decommission_sign_off)
    p = sub.add_parser("list", help="certificates and their sign-offs, newest first")
    p.add_argument("--unsigned", action="store_true", help="only those still unsigned")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_decommission_list)
