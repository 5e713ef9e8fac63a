"""``tncam notifications targets|set|list``: a unit's notification targets and the notices sent
(parity with the gateway's ``/units/{unit_id}/notification-targets`` and ``/notifications``;
replies printed as JSON). Webhook secrets are read from files, never from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tncam.registry.v1 import notify_pb2 as npb
from tncam_contracts import catalog
from tncam_registry.cli import actor
from tncam_registry.cli_ops import _ask


def _webhook(spec: str) -> npb.WebhookTarget:
    """``URL`` or ``URL=SECRET_FILE``: the shared secret (HMAC key) is the file's first line."""
    url, _, secret_file = spec.partition("=")
    if not secret_file:
        return npb.WebhookTarget(url=url)
    path = Path(secret_file)
    try:
        secret = path.read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError) as e:
        raise SystemExit(f"tncam: cannot read the webhook secret from {path}: {e}") from e
    return npb.WebhookTarget(url=url, secret=secret)


def _set(args: argparse.Namespace) -> npb.SetNotificationTargetsRequest:
    targets = npb.NotificationTargets(
        unit_id=args.unit,
        emails=args.email or [],
        webhooks=[_webhook(w) for w in args.webhook or []],
    )
    return npb.SetNotificationTargetsRequest(actor=actor(), targets=targets)


def register_notifications(subparsers: Any) -> None:
    """``tncam notifications targets|set|list``."""
    sub = subparsers.add_parser(
        "notifications", help="notification targets of a unit and the notices sent (ADR 0025)"
    ).add_subparsers(dest="notifications_command", metavar="COMMAND", required=True)
    p = sub.add_parser("targets", help="a unit's e-mail addresses and webhooks (no secret)")
    p.add_argument("unit", help="unit id, or 'province' for the central operator's digest")
    p.set_defaults(
        func=_ask(
            catalog.REGISTRY_GET_NOTIFICATION_TARGETS,
            lambda a: npb.GetNotificationTargetsRequest(actor=actor(), unit_id=a.unit),
            npb.NotificationTargetsReply,
        )
    )
    p = sub.add_parser("set", help="replace a unit's targets (none given: remove them all)")
    p.add_argument("unit")
    p.add_argument("--email", action="append", help="an address; repeat for several")
    p.add_argument(
        "--webhook",
        action="append",
        metavar="URL[=SECRET_FILE]",
        help="a webhook, its HMAC secret read from SECRET_FILE; repeat for several",
    )
    p.set_defaults(
        func=_ask(catalog.REGISTRY_SET_NOTIFICATION_TARGETS, _set, npb.NotificationTargetsReply)
    )
    p = sub.add_parser("list", help="notices sent or being sent, newest first")
    p.add_argument("--unit", default="")
    p.add_argument("--status", default="", choices=["", "pending", "retrying", "sent", "dead"])
    p.set_defaults(
        func=_ask(
            catalog.REGISTRY_LIST_NOTICES,
            lambda a: npb.ListNoticesRequest(
                actor=actor(), unit_id=a.unit, status=a.status, page_size=500
            ),
            npb.ListNoticesReply,
        )
    )
