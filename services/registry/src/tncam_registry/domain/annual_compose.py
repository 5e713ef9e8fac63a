"""Composing the annual report from the year's rows (registry) and the outside facts (gateway,
audit): the figures per unit, then the score (``annual``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tncam_registry.domain import annual as an
from tncam_registry.domain.annual_report import AnnualReport, AnnualRow
from tncam_registry.domain.calendar import WorkingCalendar, local_date
from tncam_registry.domain.connection import Edge, measure


@dataclass(frozen=True)
class YearRows:
    """Everything the annual report reads from the registry schema (rows with attributes)."""

    cameras: Sequence[Any]  # id, owner_unit_id, created_at, installed_on, last_maintained_on
    edges: Sequence[Any]  # camera_id, at, up; ordered by camera and time
    before: Mapping[str, bool]  # the last edge before the period, per camera
    tickets: Sequence[Any]  # camera_id, detected_at, closed_at, close_reason
    visits: Sequence[Any]  # camera_id, done_on
    updates: Sequence[Any]  # camera_id, due_on, recorded_at
    needs: Mapping[str, dt.datetime]  # unit -> when next year's needs were recorded


@dataclass(frozen=True)
class UnitInfo:
    unit_id: str
    name: str
    kind: str
    commune_code: str = ""


@dataclass(frozen=True)
class Outside:
    """A unit's facts held by the gateway and the audit service."""

    extractions: int = 0
    quick_extractions: int = 0
    break_glass_uses: int = 0
    breaches: int = 0
    breaches_notified_in_time: int = 0


@dataclass(frozen=True)
class Period:
    year: int
    first_day: dt.date
    last_day: dt.date
    start: dt.datetime  # first_day's midnight in Vietnam
    end: dt.datetime  # the day after last_day's midnight, or now for the current year


def _by_camera(rows: Iterable[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        out[r.camera_id].append(r)
    return out


def _camera_figures(
    f: an.UnitFacts,
    cam: Any,
    rows: YearRows,
    by_cam: Mapping[str, Mapping[str, list[Any]]],
    p: Period,
) -> None:
    """Add one camera's registration, connection, uptime and maintenance to its unit."""
    edges = [Edge(e.at, e.up) for e in by_cam["edges"].get(cam.id, ())]
    before = rows.before.get(cam.id)
    f.cameras += 1
    if before is not None or any(e.up for e in edges):
        f.connected += 1
    # Observation begins at the period's start if the camera was connected before it, else
    # at its first connection (time before that is "never connected", not downtime).
    window = measure(edges, p.start, p.end, up_at_start=before)
    f.observed_s += window.observed_s
    f.up_s += window.up_s
    baseline = cam.installed_on or local_date(cam.created_at)
    # The last visit also counts: recorded before visits were kept one by one.
    visits = [v.done_on for v in by_cam["visits"].get(cam.id, ())]
    if cam.last_maintained_on is not None:
        visits.append(cam.last_maintained_on)
    if an.maintained_through(visits, baseline, p.first_day, p.last_day):
        f.maintained += 1


def compose(
    rows: YearRows,
    units: Sequence[UnitInfo],
    outside: Mapping[str, Outside],
    p: Period,
    cal: WorkingCalendar,
    *,
    generated_at: dt.datetime,
    outside_included: bool,
) -> AnnualReport:
    """The report: one row per unit of ``units`` (in that order), scored."""
    facts = {u.unit_id: an.UnitFacts(u.unit_id, u.name, u.kind, u.commune_code) for u in units}
    by_cam = {"edges": _by_camera(rows.edges), "visits": _by_camera(rows.visits)}
    owner: dict[str, str] = {}
    for cam in rows.cameras:
        owner[cam.id] = cam.owner_unit_id
        f = facts.get(cam.owner_unit_id)
        if f is not None:
            _camera_figures(f, cam, rows, by_cam, p)
    for t in rows.tickets:
        f = facts.get(owner.get(t.camera_id, ""))
        if f is not None:
            f.incidents += 1
            f.fixed_in_time += an.fixed_in_time(t.detected_at, t.closed_at, t.close_reason, cal)
    for u in rows.updates:
        f = facts.get(owner.get(u.camera_id, ""))
        if f is not None:
            f.registry_updates += 1
            f.registry_updates_in_time += local_date(u.recorded_at) <= u.due_on
    for f in facts.values():
        f.needs = an.needs_status(rows.needs.get(f.unit_id), p.year)
        o = outside.get(f.unit_id, Outside())
        f.extractions, f.quick_extractions = o.extractions, o.quick_extractions
        f.break_glass_uses = o.break_glass_uses
        f.breaches, f.breaches_notified_in_time = o.breaches, o.breaches_notified_in_time
    return AnnualReport(
        year=p.year,
        generated_at=generated_at,
        period_from=p.first_day,
        period_to=p.last_day,
        rows=[
            AnnualRow(n, facts[u.unit_id], an.score(facts[u.unit_id]))
            for n, u in enumerate(units, start=1)
        ],
        outside_included=outside_included,
    )
