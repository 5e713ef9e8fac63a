"""``tncam recorder reindex --since …``: rebuild the segment index from the bucket.

Run with the recorder's own settings (``TNCAM_RECORDER_*`` then ``TNCAM_*``: its database role,
the object store, its signing key — segment ids are derived from it — and NATS, for the audit
record), e.g. in the recorder's pod after a restore. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import json
import os
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tncam_recorder.service.reindex import ReindexResult

# Everything else is imported when the command runs: ``tncam`` loads every command group at
# start, and the recorder's composition root would cost every other command seconds.

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def register(subparsers: Any) -> None:
    """Add the ``recorder`` command group to the ``tncam`` command."""
    parser = subparsers.add_parser("recorder", help="recorder maintenance (the segment index)")
    sub = parser.add_subparsers(dest="recorder_command", metavar="COMMAND", required=True)
    p = sub.add_parser(
        "reindex",
        help="add to the index every segment object of the bucket it lacks (after a restore)",
    )
    p.add_argument(
        "--since",
        required=True,
        type=since_arg,
        help="segments starting from this time: ISO 8601 (2026-12-07T08:00:00Z) or an age "
        "(90m, 6h, 2d)",
    )
    p.add_argument("--concurrency", type=int, default=8, help="cameras read at a time")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=run_reindex)


def since_arg(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """``--since``: an ISO 8601 instant (UTC if it names no zone) or an age before now."""
    m = _DURATION.match(text.strip())
    if m:
        age = dt.timedelta(seconds=int(m.group(1)) * _UNIT_S[m.group(2)])
        return (now or dt.datetime.now(dt.UTC)) - age
    try:
        t = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 time nor an age like 6h: {text!r}"
        ) from None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def run_reindex(args: argparse.Namespace) -> int:
    """Exit 0 when every object found is indexed, 1 when some could not be, 2 on an error."""
    from tncam_mesh.errors import TncamError

    try:
        res = asyncio.run(_reindex(args.since, args.concurrency))
    except TncamError as e:
        print(f"tncam recorder reindex: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(res.summary()))
    else:
        print(
            f"segment index: {res.added} segment(s) added, {res.already_indexed} already there, "
            f"{res.inits_added} init segment(s) added; {res.cameras} camera(s), "
            f"{res.listed} object(s) since {res.since}"
        )
        if res.unlabelled or res.without_init:
            print(
                f"  ! left out: {res.unlabelled} without index metadata, "
                f"{res.without_init} without their init segment (see the log)"
            )
    return 1 if res.unlabelled or res.without_init else 0


def _progress(done: int, total: int, res: ReindexResult) -> None:
    print(f"  {done}/{total} camera(s), {res.added} segment(s) added", file=sys.stderr, flush=True)


async def _reindex(since: dt.datetime, concurrency: int) -> ReindexResult:
    from prometheus_client import CollectorRegistry

    from tncam.common.v1 import actor_pb2
    from tncam_mesh.audit import AuditClient
    from tncam_mesh.bus import connect_settings
    from tncam_mesh.db import create_engine, service_url, session_factory
    from tncam_mesh.settings import load_settings
    from tncam_recorder.app import make_store, signing_key
    from tncam_recorder.metrics import RecorderMetrics
    from tncam_recorder.service.context import Recorder
    from tncam_recorder.service.reindex import reindex
    from tncam_recorder.settings import RecorderSettings

    settings = load_settings(RecorderSettings)
    engine = create_engine(
        service_url(
            settings.database_url,
            user=settings.db_user,
            password=settings.db_password.get_secret_value(),
        ),
        schema=settings.db_schema,
        pool_size=concurrency,
        application_name="tncam-recorder-reindex",
    )
    store = make_store(settings)
    bus = await connect_settings(settings, name="tncam-recorder-reindex", timeout=10)
    try:
        rec = Recorder(
            settings=settings,
            sessions=session_factory(engine),
            store=store,
            js=bus.js,
            audit=AuditClient(bus.js, service="recorder", namespace=settings.nats_namespace),
            metrics=RecorderMetrics(CollectorRegistry()),
            signing_key=signing_key(settings),
        )
        user = getpass.getuser()
        actor = actor_pb2.Actor(  # who ran it, as the other tncam commands name them
            id=os.environ.get("TNCAM_ACTOR_ID", f"cli:{user}"),
            display_name=os.environ.get("TNCAM_ACTOR_NAME", user),
            role=actor_pb2.ROLE_PROVINCE_ADMIN,
        )
        return await reindex(rec, since, actor=actor, concurrency=concurrency, progress=_progress)
    finally:
        await bus.close()
        store.close()
        await engine.dispose()
