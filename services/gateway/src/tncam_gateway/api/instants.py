"""Instants at the edge: timezone-aware RFC 3339 in and out, within years the platform knows.

Requests must carry an offset and a year in ``MIN_YEAR..MAX_YEAR`` (year 0001 overflowed once
converted to UTC); responses always carry an offset: a naive value from a protobuf timestamp
(``ToDatetime()`` without ``tzinfo``) is UTC and said so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

MIN_YEAR = 2000
MAX_YEAR = 2100


def _bounded(value: datetime) -> datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year must be within {MIN_YEAR}-{MAX_YEAR}")
    return value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


#: A requested instant: with an offset, year within MIN_YEAR..MAX_YEAR.
Instant = Annotated[AwareDatetime, AfterValidator(_bounded)]
#: An instant in a response: always with an offset.
UtcDatetime = Annotated[datetime, AfterValidator(_aware)]
