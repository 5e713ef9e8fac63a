"""Working days across Tết, weekends, swapped days and announced overrides."""

from __future__ import annotations

import datetime as dt

from tncam_registry.domain.calendar import WorkingCalendar, local_date
from tncam_registry.domain.deadlines import (
    add_months,
    connection_due,
    fault_fix_due,
    needs_due,
)

D = dt.date


def test_weekends_are_not_working_days() -> None:
    cal = WorkingCalendar()
    assert cal.is_working_day(D(2026, 3, 20))  # Friday
    assert not cal.is_working_day(D(2026, 3, 21))  # Saturday
    assert not cal.is_working_day(D(2026, 3, 22))  # Sunday
    assert cal.add_working_days(D(2026, 3, 20), 1) == D(2026, 3, 23)


def test_tet_2026_is_skipped() -> None:
    cal = WorkingCalendar()
    # Lunar New Year 2026: 16-20 February (Mon-Fri) are public holidays.
    for day in range(16, 21):
        assert not cal.is_working_day(D(2026, 2, day))
    assert cal.holiday_name(D(2026, 2, 17)) is not None
    # A fault detected on Friday 13 February: 3 working days -> Wed 25 February.
    assert fault_fix_due(D(2026, 2, 13), cal) == D(2026, 2, 25)
    # 15 working days from Monday 9 Feb: 10-13 (4), 23-27 (9), 2-6 Mar (14), 9 Mar (15).
    assert connection_due(D(2026, 2, 9), cal) == D(2026, 3, 9)


def test_make_up_days_and_overrides() -> None:
    base = WorkingCalendar()
    # The package knows the announced swap of 2026: Saturday 22 August is worked.
    assert base.is_working_day(D(2026, 8, 22))
    cal = WorkingCalendar.with_overrides(
        {2026: ([D(2026, 2, 23)], [D(2026, 2, 28)])}  # an extra Tết day off, a worked Saturday
    )
    assert not cal.is_working_day(D(2026, 2, 23))
    assert cal.is_working_day(D(2026, 2, 28))
    assert fault_fix_due(D(2026, 2, 13), cal) == D(2026, 2, 26)  # 23 is off: 24, 25, 26
    assert cal.add_working_days(D(2026, 2, 26), 2) == D(2026, 2, 28)
    assert cal.working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 5  # 24,25,26,27,28


def test_deadline_helpers() -> None:
    assert add_months(D(2025, 8, 31), 6) == D(2026, 2, 28)
    assert needs_due(2027) == D(2026, 12, 15)
    # 23:30 UTC on 31 Dec is already 1 Jan in Vietnam.
    assert local_date(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)) == D(2026, 1, 1)
