"""Vietnamese working days: weekends, public holidays (Tết included) and announced make-up days.

Public holidays come from the maintained ``holidays`` package (``holidays.VN``), which also knows
the swapped days the government announced so far. Each year's official announcement can add
days off or make-up working days (a Saturday worked to bridge a holiday); the per-year
overrides in the settings win over the package.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import holidays

VN_TZ = dt.timezone(dt.timedelta(hours=7), "Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Overrides:
    """One year's announced changes."""

    days_off: frozenset[dt.date] = frozenset()
    working_days: frozenset[dt.date] = frozenset()


def local_date(at: dt.datetime) -> dt.date:
    """The calendar date in Vietnam (UTC+7, no daylight saving) of an aware instant."""
    return at.astimezone(VN_TZ).date()


@dataclass
class WorkingCalendar:
    """Which days are working days, and arithmetic on them."""

    overrides: Mapping[int, Overrides] = field(default_factory=dict)
    _years: dict[int, holidays.HolidayBase] = field(default_factory=dict, repr=False)
    # Deadlines of a fleet share few distinct start dates: memoised, the overdue scan of
    # 10,000 cameras stays in the milliseconds.
    _added: dict[tuple[dt.date, int], dt.date] = field(default_factory=dict, repr=False)

    @classmethod
    def with_overrides(
        cls, overrides: Mapping[int, tuple[Iterable[dt.date], Iterable[dt.date]]]
    ) -> WorkingCalendar:
        """A calendar from ``{year: (days_off, working_days)}``."""
        return cls(
            {
                year: Overrides(frozenset(off), frozenset(work))
                for year, (off, work) in overrides.items()
            }
        )

    def _holidays(self, year: int) -> holidays.HolidayBase:
        cal = self._years.get(year)
        if cal is None:
            cal = holidays.country_holidays("VN", years=year)
            self._years[year] = cal
        return cal

    def holiday_name(self, day: dt.date) -> str | None:
        """The public holiday on ``day``, if any."""
        name = self._holidays(day.year).get(day)
        return str(name) if name is not None else None

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day of the state administration."""
        ov = self.overrides.get(day.year)
        if ov is not None:
            if day in ov.working_days:
                return True
            if day in ov.days_off:
                return False
        return bool(self._holidays(day.year).is_working_day(day))

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted)."""
        if n < 0:
            raise ValueError("n must not be negative")
        cached = self._added.get((start, n))
        if cached is not None:
            return cached
        day = start
        remaining = n
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        self._added[(start, n)] = day
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in ``(start, end]`` (0 when ``end <= start``)."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
