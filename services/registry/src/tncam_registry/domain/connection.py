"""The tri-state connection state (plus "unstable") of a camera, from ingest's observations.

Ingest reports each RTSP session coming up or going down (and failed attempts). The registry
keeps, per camera, whether it is up now and whether it was ever up, the up/down *edges* (for
uptime and flapping) and the state transitions it publishes:

* ``never``     no stream was ever delivered (failed attempts keep it there);
* ``connected`` up now, and stable;
* ``lost``      was up at least once, down now;
* ``unstable``  up now, but more than N disconnects in the last 24 h or an uptime below the
  threshold over the observed part of the last 24 h.

A worker that lets a camera go on purpose (lease moved, shutdown) is not a camera fault: the
camera stays up for a grace period in which another worker is expected to reconnect it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tncam_registry.domain.calendar import VN_TZ
from tncam_registry.domain.model import CameraState

DAY = dt.timedelta(hours=24)
LEASE_RELEASED = "lease_released"


@dataclass(frozen=True)
class FlapPolicy:
    """When a connected camera counts as unstable."""

    max_disconnects_24h: int = 3
    min_uptime: float = 0.9
    window: dt.timedelta = DAY


@dataclass(frozen=True)
class Edge:
    """The connection went up or down at ``at``."""

    at: dt.datetime
    up: bool
    reason: str = ""


@dataclass(frozen=True)
class Connection:
    """What the registry knows about one camera's connection."""

    state: CameraState = CameraState.NEVER
    connected: bool = False
    ever_connected: bool = False
    state_changed_at: dt.datetime | None = None
    last_edge_at: dt.datetime | None = None
    lost_since: dt.datetime | None = None
    handover_since: dt.datetime | None = None
    last_observed_at: dt.datetime | None = None
    last_reason: str = ""
    last_detail: str = ""


@dataclass(frozen=True)
class Observation:
    """One status event from ingest."""

    at: dt.datetime
    up: bool
    reason: str = ""  # "none" when up; "timeout", "refused", ..., "lease_released"
    detail: str = ""


@dataclass(frozen=True)
class Transition:
    """A state change to record and publish."""

    at: dt.datetime
    previous: CameraState
    state: CameraState
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Step:
    """The outcome of applying an observation or a time tick."""

    connection: Connection
    edge: Edge | None = None
    transition: Transition | None = None


@dataclass(frozen=True)
class UptimeWindow:
    """Connection figures over a time window."""

    observed_s: float
    up_s: float
    disconnects: int

    @property
    def uptime(self) -> float:
        """Fraction of the observed time the camera was up (1.0 when nothing was observed)."""
        return self.up_s / self.observed_s if self.observed_s > 0 else 1.0


def measure(
    edges: Sequence[Edge],
    start: dt.datetime,
    end: dt.datetime,
    *,
    up_at_start: bool | None,
) -> UptimeWindow:
    """Uptime over ``[start, end)`` from the edges inside it (sorted by time).

    ``up_at_start`` is the connection at ``start``; None means the camera had never been up
    before, so observation begins at its first up edge (time before a first connection is
    not downtime of a connection, it is "never connected").
    """
    observed = up = 0.0
    disconnects = 0
    cursor: dt.datetime | None = start if up_at_start is not None else None
    is_up = bool(up_at_start)
    for edge in edges:
        if edge.at < start or edge.at >= end:
            continue
        if cursor is not None:
            span = (edge.at - cursor).total_seconds()
            observed += span
            if is_up:
                up += span
            cursor = edge.at
        elif edge.up:
            cursor = edge.at  # observation begins with the first connection
        if is_up and not edge.up:
            disconnects += 1
        is_up = edge.up
    if cursor is not None and end > cursor:
        span = (end - cursor).total_seconds()
        observed += span
        if is_up:
            up += span
    return UptimeWindow(observed, up, disconnects)


def classify(
    conn: Connection,
    window: UptimeWindow,
    policy: FlapPolicy,
) -> tuple[CameraState, str]:
    """The state (and why) of a camera given its connection and its last-24-h window."""
    if not conn.ever_connected:
        return CameraState.NEVER, "never_connected"
    if not conn.connected:
        return CameraState.LOST, conn.last_reason or "disconnected"
    if window.disconnects > policy.max_disconnects_24h:
        return CameraState.UNSTABLE, "flapping"
    if window.uptime < policy.min_uptime:
        return CameraState.UNSTABLE, "low_uptime"
    return CameraState.CONNECTED, "stable"


def _with_state(
    conn: Connection, state: CameraState, reason: str, at: dt.datetime, detail: str
) -> tuple[Connection, Transition | None]:
    if state == conn.state:
        return conn, None
    transition = Transition(at, conn.state, state, reason, detail)
    return replace(conn, state=state, state_changed_at=at), transition


def apply(
    conn: Connection,
    obs: Observation,
    window_of: WindowFn,
    policy: FlapPolicy,
) -> Step:
    """Apply one status observation. ``window_of(edge)`` measures the last 24 h including the
    new edge (None = no new edge), ending at the observation time."""
    base = replace(
        conn,
        last_observed_at=max(obs.at, conn.last_observed_at or obs.at),
        last_reason=obs.reason if not obs.up else conn.last_reason,
        last_detail=obs.detail,
    )
    edge: Edge | None = None
    if obs.up:
        base = replace(base, handover_since=None)
        if not conn.connected:
            edge = Edge(obs.at, True, obs.reason)
            base = replace(
                base, connected=True, ever_connected=True, lost_since=None, last_edge_at=obs.at
            )
    else:
        if not conn.connected:
            pass  # another failed attempt: still never / still lost
        elif obs.reason == LEASE_RELEASED:
            # Let go on purpose: give another worker the grace period to take over.
            if conn.handover_since is None:
                base = replace(base, handover_since=obs.at)
            return Step(base)
        else:
            edge = Edge(obs.at, False, obs.reason)
            base = replace(
                base,
                connected=False,
                lost_since=obs.at,
                handover_since=None,
                last_edge_at=obs.at,
            )
    state, reason = classify(base, window_of(edge), policy)
    if state == CameraState.LOST:
        reason = obs.reason or reason
    new, transition = _with_state(base, state, reason, obs.at, obs.detail)
    return Step(new, edge, transition)


def tick(
    conn: Connection,
    now: dt.datetime,
    window: UptimeWindow,
    policy: FlapPolicy,
    *,
    handover_grace: dt.timedelta,
) -> Step:
    """Re-evaluate with the passage of time: an expired handover, flapping ageing out."""
    if conn.connected and conn.handover_since is not None:
        if now - conn.handover_since >= handover_grace:
            at = conn.handover_since
            edge = Edge(at, False, "handover_expired")
            base = replace(
                conn,
                connected=False,
                lost_since=at,
                handover_since=None,
                last_edge_at=at,
                last_reason="handover_expired",
            )
            new, transition = _with_state(base, CameraState.LOST, "handover_expired", now, "")
            return Step(new, edge, transition)
        return Step(conn)
    state, reason = classify(conn, window, policy)
    new, transition = _with_state(conn, state, reason, now, "")
    return Step(new, None, transition)


class WindowFn:
    """Measures a camera's last-24-h window ending at a fixed time, with an optional new edge."""

    def __init__(
        self,
        edges: Sequence[Edge],
        end: dt.datetime,
        *,
        up_before: bool | None,
        policy: FlapPolicy,
    ) -> None:
        self._edges = list(edges)
        self._end = end
        self._up_before = up_before
        self._policy = policy

    def __call__(self, new_edge: Edge | None) -> UptimeWindow:
        edges = self._edges + ([new_edge] if new_edge is not None else [])
        edges.sort(key=lambda e: e.at)
        end = max(self._end, edges[-1].at) if edges else self._end
        return measure(edges, end - self._policy.window, end, up_at_start=self._up_before)


def daily_uptime(
    edges: Sequence[Edge],
    day_start: dt.datetime,
    day_end: dt.datetime,
    *,
    up_at_start: bool | None,
) -> UptimeWindow:
    """Uptime over one day (or its elapsed part): the same measure as the 24-h window."""
    return measure(edges, day_start, day_end, up_at_start=up_at_start)


@dataclass(frozen=True)
class DayUptime:
    """Uptime of one local day."""

    day: dt.date
    window: UptimeWindow


def uptime_by_day(
    edges: Sequence[Edge],
    first_day: dt.date,
    days: int,
    now: dt.datetime,
    *,
    up_before: bool | None,
) -> list[DayUptime]:
    """Daily uptime (Vietnam days) from ``first_day`` for ``days`` days, today up to ``now``.

    ``edges`` start at ``first_day``'s midnight; ``up_before`` is the connection just before.
    """
    out: list[DayUptime] = []
    up = up_before
    for i in range(days):
        day = first_day + dt.timedelta(days=i)
        d_start = dt.datetime.combine(day, dt.time(), VN_TZ)
        d_end = min(d_start + dt.timedelta(days=1), now)
        out.append(DayUptime(day, daily_uptime(edges, d_start, d_end, up_at_start=up)))
        day_edges = [e for e in edges if d_start <= e.at < d_end]
        if day_edges:
            up = day_edges[-1].up
    return out


def measured_resolution(width: int, height: int) -> str:
    """``WxH`` of a measured stream, or "" when no size was measured."""
    return f"{width}x{height}" if width else ""


def device_mismatch(
    *, declared_codec: str, declared_resolution: str, measured_codec: str, measured_res: str
) -> bool:
    """Whether the measured stream differs from what was declared (an undeclared change)."""
    return bool(measured_codec and measured_codec != declared_codec) or bool(
        declared_resolution and measured_res and measured_res != declared_resolution
    )
