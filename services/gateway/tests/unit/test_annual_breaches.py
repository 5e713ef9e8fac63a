"""The annual report's breach column: notified within 72 hours means every required
recipient (provincial police, Department of Science and Technology) had its notice by then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tncam_gateway.domain.annual import BreachFacts, breaches_by_unit, notified_in_time

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
DEADLINE = T0 + timedelta(hours=72)
POLICE, DOST = 1, 2


def breach(notices: list[tuple[int, datetime]], units: list[str], at: datetime = T0) -> BreachFacts:
    return BreachFacts(at, at + timedelta(hours=72), units, notices)


def test_both_recipients_by_the_deadline() -> None:
    assert notified_in_time(breach([(POLICE, T0), (DOST, DEADLINE)], ["u"]))
    assert not notified_in_time(breach([(POLICE, T0)], ["u"]))  # DOST never told
    late = DEADLINE + timedelta(seconds=1)
    assert not notified_in_time(breach([(POLICE, T0), (DOST, late)], ["u"]))


def test_counted_per_unit_within_the_year() -> None:
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    items = [
        breach([(POLICE, T0), (DOST, T0)], ["a", "b"]),
        breach([(POLICE, T0)], ["a", "a"]),
        breach([(POLICE, T0), (DOST, T0)], ["a"], at=datetime(2025, 12, 31, tzinfo=UTC)),
    ]
    assert breaches_by_unit(items, start, end) == {"a": (2, 1), "b": (1, 1)}
