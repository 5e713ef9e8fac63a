"""``tncam audit``: verify the log, make a signing key, export CSV.

``tncam audit verify`` reads PostgreSQL (and the object store, when configured) directly with
the service's settings from the environment (``source var/stack/stack.env``), so it does not
trust a running audit service; ``--via-nats`` asks the service instead. Exit codes: 0 intact,
1 tampering found, 2 bad settings or unreachable dependencies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tncam_audit.db import pg
from tncam_audit.domain.note import Signer
from tncam_audit.domain.verify import SignedCheckpoint
from tncam_audit.service.verification import timed_verify
from tncam_audit.settings import DEFAULT_ORIGIN, AuditSettings
from tncam_audit.storage.checkpoints import CheckpointStore
from tncam_mesh.errors import TncamError
from tncam_mesh.redact import mask_urls_in
from tncam_mesh.settings import load_settings


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
