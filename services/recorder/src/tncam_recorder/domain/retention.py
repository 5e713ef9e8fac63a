"""Lifecycle rules per retention class, and what the retention sweep may delete (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from tncam_recorder.domain.keys import TAG_RETENTION

#: Noncurrent versions (overwritten or deleted objects) are purged after this many days.
NONCURRENT_DAYS = 1
PURGE_RULE_ID = "purge-noncurrent-and-delete-markers"


@dataclass(frozen=True, slots=True)
class LifecycleRule:
    """One lifecycle rule, independent of the S3 SDK."""

    rule_id: str
    prefix: str
    tag: tuple[str, str] | None  # (key, value) the objects must carry
    expiration_days: int | None  # current versions expire after this many days
    noncurrent_days: int | None  # noncurrent versions are deleted after this many days
    expired_delete_marker: bool  # delete markers without versions behind them are removed


def lifecycle_rules(classes: Mapping[str, int]) -> tuple[LifecycleRule, ...]:
    """The bucket's rules: one expiry per retention class, one purge of old versions.

    S3 forbids ``ExpiredObjectDeleteMarker`` together with a tag filter, hence the separate
    purge rule over the whole bucket. Expiry of a current version only adds a delete marker
    (versioned bucket); the purge rule then removes the version a day later, and the marker
    once nothing is behind it. Object-lock legal holds stop both for held versions.
    """
    rules = [
        LifecycleRule(
            rule_id=f"retention-{name}",
            prefix="",
            tag=(TAG_RETENTION, name),
            expiration_days=days,
            noncurrent_days=None,
            expired_delete_marker=False,
        )
        for name, days in sorted(classes.items())
    ]
    rules.append(
        LifecycleRule(
            rule_id=PURGE_RULE_ID,
            prefix="",
            tag=None,
            expiration_days=None,
            noncurrent_days=NONCURRENT_DAYS,
            expired_delete_marker=True,
        )
    )
    return tuple(rules)


def expiry_cutoff(
    retention_class: str, classes: Mapping[str, int], now: dt.datetime
) -> dt.datetime:
    """Segments of ``retention_class`` that ended before this instant are expired.

    An unknown class (removed from the settings) is kept for the longest configured period:
    a configuration mistake must never shorten retention.
    """
    days = classes.get(retention_class, max(classes.values()))
    return now - dt.timedelta(days=days)
