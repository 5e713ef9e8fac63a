"""``tncam audit``: verify the log, make a signing key, export CSV.

``tncam audit verify`` reads PostgreSQL (and the object store, when configured) directly with
the service's settings from the environment (``source var/stack/stack.env``), so it does not
trust a running audit service; ``--via-nats`` asks the service instead. Exit codes: 0 intact,
1 tampering found, 2 bad settings or unreachable dependencies.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any, TypeVar

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from tncam.audit.v1 import breach_pb2
from tncam.common.v1 import actor_pb2
from tncam_audit.db import pg
from tncam_audit.domain.note import Signer
from tncam_audit.domain.verify import SignedCheckpoint
from tncam_audit.service.verification import timed_verify
from tncam_audit.settings import DEFAULT_ORIGIN, AuditSettings
from tncam_audit.storage.checkpoints import CheckpointStore
from tncam_contracts.catalog import (
    AUDIT_LIST_BREACHES,
    AUDIT_RECORD_BREACH,
    AUDIT_RECORD_BREACH_NOTICE,
    RequestSpec,
)
from tncam_mesh.bus import connect_settings
from tncam_mesh.errors import TncamError, UnavailableError
from tncam_mesh.redact import mask_urls_in
from tncam_mesh.rpc import call
from tncam_mesh.settings import ServiceSettings, load_settings

R = TypeVar("R", bound=Message)


def register(subparsers: Any) -> None:
    """Add the ``audit`` command group."""
    parser = subparsers.add_parser("audit", help="the tamper-evident audit log")
    sub = parser.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)

    verify = sub.add_parser("verify", help="recompute the log and check every checkpoint")
    verify.add_argument(
        "--checkpoint",
        action="append",
        type=Path,
        default=[],
        help="a signed checkpoint you kept earlier (file); repeatable",
    )
    verify.add_argument(
        "--no-object-store", action="store_true", help="skip the object-locked copies"
    )
    verify.add_argument("--via-nats", action="store_true", help="ask the running service")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(func=_verify)

    keygen = sub.add_parser("keygen", help="print a new Ed25519 checkpoint signing key")
    keygen.add_argument("--origin", default=DEFAULT_ORIGIN, help="the log origin (key name)")
    keygen.set_defaults(func=_keygen)


def _keygen(args: argparse.Namespace) -> int:
    signer = Signer.generate(args.origin)
    print(f"TNCAM_AUDIT_SIGNING_KEY={signer.encode()}")
    print(f"# verifier key (public): {signer.verifier.encode()}", file=sys.stderr)
    return 0


def _verify(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(AuditSettings)
        extra = [SignedCheckpoint(p.read_text(), str(p)) for p in args.checkpoint]
        reply = asyncio.run(
            _via_nats(settings) if args.via_nats else _direct(settings, extra, args)
        )
    except (TncamError, OSError) as e:
        print(f"tncam audit verify: {mask_urls_in(str(e))}", file=sys.stderr)
        return 2
    if args.json:
        from google.protobuf.json_format import MessageToDict

        print(json.dumps(MessageToDict(reply), ensure_ascii=False, indent=2))
    else:
        state = "OK" if reply.ok else f"TAMPERED — first bad sequence {reply.first_bad_sequence}"
        print(f"audit log: {reply.tree_size} entries, {state}")
        print(f"  root {reply.root_hash.hex()}")
        print(
            f"  checkpoints verified: {reply.checkpoints_checked}, "
            f"newest covers {reply.latest_checkpoint_size}; {reply.duration_s:.1f} s"
        )
        for p in reply.problems:
            print(f"  ! {p.sequence or '-'}: {p.detail}")
    return 0 if reply.ok else 1


async def _direct(
    settings: AuditSettings, extra: list[SignedCheckpoint], args: argparse.Namespace
) -> Any:
    store = CheckpointStore(settings) if settings.s3_endpoint and not args.no_object_store else None
    conn = await pg.connect(settings, purpose="cli-verify")
    try:
        return await timed_verify(
            conn, settings.verifiers(), settings.log_origin, store=store, extra_checkpoints=extra
        )
    finally:
        await conn.close()


async def _via_nats(settings: AuditSettings) -> Any:
    from tncam.audit.v1 import verify_pb2
    from tncam_contracts.catalog import AUDIT_VERIFY
    from tncam_mesh.bus import connect_settings
    from tncam_mesh.rpc import call

    # The service's NATS URL and credentials (TNCAM_AUDIT_NATS_* / TNCAM_NATS_*).
    bus = await connect_settings(settings, name="tncam-audit-cli", timeout=10)
    try:
        return await call(
            bus,
            AUDIT_VERIFY,
            verify_pb2.VerifyRequest(include_object_store=bool(settings.s3_endpoint)),
            verify_pb2.VerifyReply,
            namespace=settings.nats_namespace,
            timeout=600,
        )
    finally:
        await bus.close(timeout=5)


# ------------------------------------------------------------------ the breach register (NATS)
#
# ``tncam breaches record|notice|list`` do what the gateway's ``/breaches`` does, over the audit
# service's NATS operations (shared settings ``TNCAM_NATS_*``); the acting user is
# ``TNCAM_ACTOR_ID`` (default ``cli:<login name>``) with the province-admin role. Exit codes:
# 0 done, 1 refused (e.g. a notice dated before the breach), 3 the service is unreachable.

_RECIPIENTS = {
    "provincial_police": breach_pb2.NOTICE_RECIPIENT_PROVINCIAL_POLICE,
    "dost": breach_pb2.NOTICE_RECIPIENT_DOST,
}
_STATUSES = {
    "open": breach_pb2.BREACH_STATUS_OPEN,
    "overdue": breach_pb2.BREACH_STATUS_OVERDUE,
    "notified": breach_pb2.BREACH_STATUS_NOTIFIED,
}
_STATUS_VI = {
    breach_pb2.BREACH_STATUS_OPEN: "chưa thông báo đủ",
    breach_pb2.BREACH_STATUS_OVERDUE: "QUÁ HẠN 72 giờ",
    breach_pb2.BREACH_STATUS_NOTIFIED: "đã thông báo đủ",
}


def _actor() -> actor_pb2.Actor:
    user = getpass.getuser()
    return actor_pb2.Actor(
        id=os.environ.get("TNCAM_ACTOR_ID", f"cli:{user}"),
        display_name=os.environ.get("TNCAM_ACTOR_NAME", user),
        role=actor_pb2.ROLE_PROVINCE_ADMIN,
    )


def _instant(text: str) -> Timestamp:
    t = dt.datetime.fromisoformat(text)
    if t.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text}: give an offset, e.g. +07:00")
    out = Timestamp()
    out.FromDatetime(t)
    return out


def _ask(spec: RequestSpec, request: Message, reply_type: type[R]) -> tuple[int, R | None]:
    async def work() -> R:
        settings = load_settings(ServiceSettings)
        bus = await connect_settings(settings, name="tncam-cli", timeout=5.0)
        async with bus:
            return await call(
                bus, spec, request, reply_type, namespace=settings.nats_namespace, timeout=30
            )

    try:
        return 0, asyncio.run(work())
    except UnavailableError as e:
        print(f"tncam: {e.code}: {e.message}", file=sys.stderr)
        return 3, None
    except TncamError as e:
        print(f"tncam: {e.code}: {e.message}", file=sys.stderr)
        return 1, None


def _print_breach(b: breach_pb2.Breach, as_json: bool) -> None:
    if as_json:
        print(json.dumps(MessageToDict(b, preserving_proto_field_name=True), ensure_ascii=False))
        return
    deadline = b.notice_deadline.ToDatetime(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7)))
    print(
        f"{b.breach_id}  {b.title}  hạn {deadline:%d/%m/%Y %H:%M}  "
        f"{_STATUS_VI.get(b.status, '?')}  {len(b.notices)} văn bản"
    )


def _breach_record(args: argparse.Namespace) -> int:
    req = breach_pb2.RecordBreachRequest(
        breach_id=str(uuid.uuid4()),
        title=args.title,
        description=args.description,
        detected_at=args.detected_at,
        scope=args.scope,
        unit_ids=args.unit or [],
        camera_ids=args.camera or [],
        recorded_by=_actor(),
    )
    code, reply = _ask(AUDIT_RECORD_BREACH, req, breach_pb2.BreachReply)
    if reply is not None:
        _print_breach(reply.breach, args.json)
    return code


def _breach_notice(args: argparse.Namespace) -> int:
    req = breach_pb2.RecordBreachNoticeRequest(
        breach_id=args.breach_id,
        notice_id=str(uuid.uuid4()),
        recipient=_RECIPIENTS[args.recipient],
        sent_at=args.sent_at,
        document_number=args.document,
        channel=args.channel,
        recorded_by=_actor(),
    )
    code, reply = _ask(AUDIT_RECORD_BREACH_NOTICE, req, breach_pb2.BreachReply)
    if reply is not None:
        _print_breach(reply.breach, args.json)
    return code


def _breach_list(args: argparse.Namespace) -> int:
    status = _STATUSES[args.status] if args.status else breach_pb2.BREACH_STATUS_UNSPECIFIED
    req = breach_pb2.ListBreachesRequest(status=status)
    code, reply = _ask(AUDIT_LIST_BREACHES, req, breach_pb2.ListBreachesReply)
    if reply is not None and args.json:
        rows = [MessageToDict(b, preserving_proto_field_name=True) for b in reply.breaches]
        print(json.dumps(rows, ensure_ascii=False))
    elif reply is not None:
        for b in reply.breaches:
            _print_breach(b, False)
    return code


def register_breaches(subparsers: Any) -> None:
    """Add the ``breaches`` command group (the breach register, 72 h) to ``tncam``."""
    parser = subparsers.add_parser("breaches", help="personal-data breach register (72 h)")
    sub = parser.add_subparsers(dest="breaches_command", metavar="COMMAND", required=True)
    p = sub.add_parser("record", help="record a detected breach")
    p.add_argument("--title", required=True)
    p.add_argument("--description", default="")
    p.add_argument("--detected-at", type=_instant, required=True, help="RFC 3339 with offset")
    p.add_argument("--scope", required=True, help="which data and subjects are affected")
    p.add_argument("--unit", action="append", help="a unit concerned (repeat)")
    p.add_argument("--camera", action="append", help="a camera concerned (repeat)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_breach_record)
    p = sub.add_parser("notice", help="record a written notice sent about a breach")
    p.add_argument("breach_id")
    p.add_argument("--recipient", choices=sorted(_RECIPIENTS), required=True)
    p.add_argument("--sent-at", type=_instant, required=True, help="RFC 3339 with offset")
    p.add_argument("--document", required=True, help="the notice's document number")
    p.add_argument("--channel", default="", help="e.g. công văn giấy")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_breach_notice)
    p = sub.add_parser("list", help="the register with its deadlines")
    p.add_argument("--status", choices=sorted(_STATUSES))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_breach_list)
