"""Connection state: never -> connected -> lost, handover grace, flapping with a virtual clock."""

from __future__ import annotations

import datetime as dt

from tncam_registry.domain import connection as c
from tncam_registry.domain.model import CameraState as S

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
POLICY = c.FlapPolicy(max_disconnects_24h=3, min_uptime=0.9)


class Camera:
    """A camera's connection driven through the pure functions, with its edge history."""

    def __init__(self) -> None:
        self.conn = c.Connection()
        self.edges: list[c.Edge] = []
        self.transitions: list[c.Transition] = []

    def _window(self, end: dt.datetime) -> c.WindowFn:
        start = end - POLICY.window
        inside = [e for e in self.edges if e.at >= start]
        before = [e for e in self.edges if e.at < start]
        return c.WindowFn(inside, end, up_before=before[-1].up if before else None, policy=POLICY)

    def _take(self, step: c.Step) -> None:
        self.conn = step.connection
        if step.edge:
            self.edges.append(step.edge)
        if step.transition:
            self.transitions.append(step.transition)

    def observe(self, at: dt.datetime, up: bool, reason: str = "timeout") -> S:
        obs = c.Observation(at, up, "none" if up else reason)
        self._take(c.apply(self.conn, obs, self._window(at), POLICY))
        return self.conn.state

    def tick(self, now: dt.datetime) -> S:
        start = now - POLICY.window
        inside = [e for e in self.edges if e.at >= start]
        before = [e for e in self.edges if e.at < start]
        window = c.measure(inside, start, now, up_at_start=before[-1].up if before else None)
        self._take(c.tick(self.conn, now, window, POLICY, handover_grace=dt.timedelta(seconds=30)))
        return self.conn.state


def m(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_failed_attempts_keep_never_then_connected_lost_connected() -> None:
    cam = Camera()
    assert cam.observe(m(0), False, "refused") == S.NEVER
    assert cam.observe(m(1), False, "timeout") == S.NEVER
    assert cam.transitions == []
    assert cam.observe(m(2), True) == S.CONNECTED
    assert cam.observe(m(600), False, "timeout") == S.LOST
    assert cam.conn.lost_since == m(600)
    assert cam.observe(m(601), False, "refused") == S.LOST  # still down: no new edge
    assert cam.observe(m(610), True) == S.CONNECTED  # 598 of 608 min up: 98 %
    assert [(t.previous, t.state) for t in cam.transitions] == [
        (S.NEVER, S.CONNECTED),
        (S.CONNECTED, S.LOST),
        (S.LOST, S.CONNECTED),
    ]
    assert cam.transitions[1].reason == "timeout"
    assert [e.up for e in cam.edges] == [True, False, True]


def test_flapping_makes_unstable_and_ages_out_after_24h() -> None:
    cam = Camera()
    cam.observe(m(0), True)
    for i in range(4):  # 4 short drops in an hour: > 3 disconnects in 24 h
        cam.observe(m(10 + i * 10), False)
        cam.observe(m(10 + i * 10 + 0.1), True)
    assert cam.conn.state == S.UNSTABLE
    assert cam.transitions[-1].reason == "flapping"
    assert cam.tick(m(23 * 60)) == S.UNSTABLE  # the drops are still inside the window
    assert cam.tick(m(24 * 60 + 45)) == S.CONNECTED  # they aged out
    assert cam.transitions[-1].reason == "stable"


def test_low_uptime_is_unstable() -> None:
    cam = Camera()
    cam.observe(m(0), True)
    cam.observe(m(60), False)
    assert cam.observe(m(100), True) == S.UNSTABLE  # 60 of 100 min up
    assert cam.transitions[-1].reason == "low_uptime"
    assert cam.tick(m(1000)) == S.CONNECTED  # 960 of 1000 min: 96 %


def test_time_before_the_first_connection_is_not_downtime() -> None:
    cam = Camera()
    cam.observe(m(0), False, "refused")
    assert cam.observe(m(500), True) == S.CONNECTED


def test_lease_release_waits_for_a_handover() -> None:
    cam = Camera()
    cam.observe(m(0), True)
    assert cam.observe(m(10), False, c.LEASE_RELEASED) == S.CONNECTED
    assert cam.tick(m(10.25)) == S.CONNECTED  # 15 s < 30 s grace
    assert cam.observe(m(10.3), True) == S.CONNECTED  # taken over by another worker
    assert cam.conn.handover_since is None
    assert len(cam.edges) == 1
    cam.observe(m(20), False, c.LEASE_RELEASED)
    assert cam.tick(m(21)) == S.LOST  # nobody took it over
    assert cam.transitions[-1].reason == "handover_expired"
    assert cam.edges[-1] == c.Edge(m(20), False, "handover_expired")


def test_measure_counts_observed_time_and_disconnects() -> None:
    edges = [c.Edge(m(10), True), c.Edge(m(20), False), c.Edge(m(25), True)]
    w = c.measure(edges, m(0), m(30), up_at_start=None)
    assert (w.observed_s, w.up_s, w.disconnects) == (1200.0, 900.0, 1)
    w = c.measure(edges, m(0), m(30), up_at_start=False)
    assert (w.observed_s, w.up_s) == (1800.0, 900.0)
