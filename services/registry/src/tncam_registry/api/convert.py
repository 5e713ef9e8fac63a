"""Edge-only conversions: use-case results as the RPC replies carry them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tncam.registry.v1 import credentials_pb2, service_pb2
from tncam_registry.domain.credentials import Credentials
from tncam_registry.domain.deadlines import DueItem


def deadlines_reply(
    items: Iterable[DueItem], as_of: dt.date
) -> service_pb2.ListOverdueDeadlinesReply:
    """Overdue (and upcoming) deadlines as the reply lists them."""
    return service_pb2.ListOverdueDeadlinesReply(
        deadlines=[
            service_pb2.Deadline(
                kind=i.kind,
                camera_id=i.camera_id,
                owner_unit_id=i.owner_unit_id,
                commune_code=i.commune_code,
                due_on=i.due_on.isoformat(),
                days_overdue=i.days_overdue,
                ticket_id=i.ticket_id,
                detail=i.detail,
                upcoming=i.upcoming,
                days_until=(i.due_on - as_of).days,
            )
            for i in items
        ]
    )


def credentials_reply(creds: Credentials, revision: int) -> credentials_pb2.ResolveCredentialsReply:
    """Resolved credentials for ingest (the only reply that carries a secret)."""
    return credentials_pb2.ResolveCredentialsReply(
        username=creds.username, password=creds.password, revision=revision
    )
