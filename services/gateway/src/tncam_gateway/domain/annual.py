"""The gateway's part of the annual report: which breaches were notified within 72 hours
(the audit service's register), per unit. Pure: plain values in, counts out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

#: Who must receive a written notice of a breach (Art. 10.4): the provincial police and the
#: Department of Science and Technology (``tncam.audit.v1.NoticeRecipient`` 1 and 2).
REQUIRED_RECIPIENTS = frozenset({1, 2})


@dataclass(frozen=True)
class BreachFacts:
    detected_at: datetime
    deadline: datetime  # detection + 72 h
    unit_ids: Sequence[str]
    notices: Sequence[tuple[int, datetime]]  # (recipient, sent_at)


def notified_in_time(b: BreachFacts) -> bool:
    """Every required recipient got a notice sent by the deadline."""
    on_time = {r for r, sent_at in b.notices if sent_at <= b.deadline}
    return on_time >= REQUIRED_RECIPIENTS


def breaches_by_unit(
    breaches: Iterable[BreachFacts], start: datetime, end: datetime
) -> dict[str, tuple[int, int]]:
    """unit -> (breaches detected in ``[start, end)``, of them notified within 72 h)."""
    out: dict[str, tuple[int, int]] = {}
    for b in breaches:
        if not start <= b.detected_at < end:
            continue
        ok = notified_in_time(b)
        for unit in set(b.unit_ids):
            count, in_time = out.get(unit, (0, 0))
            out[unit] = (count + 1, in_time + ok)
    return out
