"""``make run`` (``python -m tncam_testkit.stack``) as a user starts it: every key is generated
(no service has a default one, so tokens forged with the former public default are refused),
everything it starts listens on 127.0.0.1 only (issue 21 item 1), and a connected camera's
snapshot is served as a JPEG (item 5)."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable
from pathlib import Path

import jwt
import pytest

from tncam_gateway.domain.playback import PlaybackClaims, PlaybackCodec
from tncam_gateway.service.context import JWT_LABEL, PLAYBACK_LABEL
from tncam_mesh.aead import derive_key
from tncam_mesh.settings import DEV_ONLY_VALUE
from tncam_testkit.images import jpeg_size

from .conftest import RunningStack, SharedStack
from .console_kit import admin_console

pytestmark = pytest.mark.e2e

KEYS = (
    "TNCAM_GATEWAY_JWT_SIGNING_KEY",
    "TNCAM_GATEWAY_MFA_ENCRYPTION_KEY",
    "TNCAM_REGISTRY_CREDENTIALS_KEY",
    "TNCAM_RECORDER_SIGNING_KEY",
    "TNCAM_AUDIT_SIGNING_KEY",
)
LOOPBACK = {"127.0.0.1", "::1"}


def _descendants(root: int) -> set[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo += children.get(pid, [])
    return found


def _address(hex_addr: str, v6: bool) -> str:
    raw = bytes.fromhex(hex_addr)
    if not v6:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def _listening(pids: set[int]) -> set[tuple[str, str, int]]:
    """(protocol, address, port) of every TCP listener and bound UDP socket of ``pids``."""
    inodes: set[str] = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    out: set[tuple[str, str, int]] = set()
    for proto, state in (("tcp", "0A"), ("tcp6", "0A"), ("udp", "07"), ("udp6", "07")):
        for line in Path(f"/proc/net/{proto}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != state or fields[9] not in inodes:
                continue
            host, port = fields[1].split(":")
            out.add((proto, _address(host, proto.endswith("6")), int(port, 16)))
    return out


@pytest.fixture(scope="module")
def stack(make_run_stack: SharedStack) -> RunningStack:
    """The ``make run`` stack the browser modules share (conftest.MAKE_RUN_ARGS): its checks
    hold for any fleet, so it need not be started a second time."""
    return make_run_stack.running


@pytest.fixture(scope="module")
def token(make_run_stack: SharedStack) -> str:
    """An access token of the stack's admin (one sign-in: each takes a fresh TOTP step)."""
    return _login(make_run_stack)


def _get(url: str, token: str) -> int:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
            return int(resp.status)
    except urllib.error.HTTPError as e:
        e.close()
        return int(e.code)


def _login(shared: SharedStack) -> str:
    """An access token of the admin: the console modules' shared session, refreshed (no TOTP
    step of its own)."""
    session = admin_console(shared)
    session.rotate()
    return session.admin_token


def test_every_key_is_generated_and_none_is_the_former_default(stack: RunningStack) -> None:
    for name in KEYS:
        value = stack.env.get(name, "")
        assert len(value) >= 32, name
        assert value != DEV_ONLY_VALUE, name
    assert "insecure" not in "".join(stack.env.values())


def test_a_token_forged_with_the_former_default_key_is_refused(
    stack: RunningStack, token: str
) -> None:
    real = token
    me = f"{stack.gateway}/api/v1/me"
    assert _get(me, real) == 200
    claims = jwt.decode(real, options={"verify_signature": False})
    headers = {"typ": "at+jwt"}

    def signed(secret: str) -> str:
        return jwt.encode(claims, derive_key(secret, JWT_LABEL), algorithm="HS256", headers=headers)

    # The same claims, signed as the gateway would with its own key, are accepted: the
    # forgery is refused only because the former public default is no key of this stack.
    assert _get(me, signed(stack.env["TNCAM_GATEWAY_JWT_SIGNING_KEY"])) == 200
    assert _get(me, signed(DEV_ONLY_VALUE)) == 401

    forged = PlaybackCodec(derive_key(DEV_ONLY_VALUE, PLAYBACK_LABEL))
    now = dt.datetime.now(dt.UTC)
    playback = PlaybackClaims(
        playback_id=str(uuid.uuid4()),
        account_id=claims["sub"],
        session_id=claims["sid"],
        camera_id="CAM-01-001",
        start=now - dt.timedelta(hours=1),
        end=now,
        live=False,
        purpose="public_order",
        grant_id="",
        expires_at=now + dt.timedelta(minutes=5),
    )
    token = urllib.parse.quote(forged.issue(playback), safe="")
    segment = str(uuid.uuid4())
    sig = forged.sign(playback.playback_id, "segment", segment)
    base = f"{stack.gateway}/api/v1"
    assert _get(f"{base}/playback/{playback.playback_id}/index.m3u8?token={token}", real) == 401
    assert _get(f"{base}/recordings/segments/{segment}.m4s?token={token}&sig={sig}", real) == 401


def test_everything_the_stack_starts_listens_on_loopback_only(stack: RunningStack) -> None:
    sockets = _listening(_descendants(stack.proc.pid))
    gateway_port = int(stack.gateway.rsplit(":", 1)[1])
    assert ("tcp", "127.0.0.1", gateway_port) in sockets, sockets
    # NATS, PostgreSQL, the object store, the cameras and the five services at least.
    assert len({port for proto, _, port in sockets if proto.startswith("tcp")}) >= 9, sockets
    exposed = sorted(s for s in sockets if s[1] not in LOOPBACK)
    assert exposed == [], exposed


def _call(
    url: str, token: str, body: dict[str, object] | None = None
) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    req = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 - loopback
            return int(resp.status), _lower(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as e:
        with e:
            return int(e.code), _lower(e.headers.items()), e.read()


def _lower(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {k.lower(): v for k, v in items}


def test_snapshot_of_a_connected_camera_is_served_as_a_jpeg(
    stack: RunningStack, token: str
) -> None:
    """The stack's ingest stores each camera's snapshot in the object store (never inline):
    the gateway serves it, through the recorder, as the camera's picture (issue 21 item 5)."""
    base = f"{stack.gateway}/api/v1"
    camera = "CAM-01-001"
    # The province admin sees footage under a break-glass grant.
    now = dt.datetime.now(dt.UTC)
    status, _, body = _call(
        f"{base}/grants",
        token,
        {
            "legal_basis": "emergency_command",
            "reason": "Kiểm tra ảnh chụp của camera mô phỏng",
            "camera_ids": [camera],
            "footage_from": (now - dt.timedelta(hours=1)).isoformat(),
            "footage_to": (now + dt.timedelta(hours=1)).isoformat(),
            "scopes": ["view"],
            "expires_at": (now + dt.timedelta(hours=2)).isoformat(),
        },
    )
    assert status == 201, body
    grant = json.loads(body)["id"]
    url = f"{base}/cameras/{camera}/snapshot?purpose=public_order&grant_id={grant}"
    deadline = time.monotonic() + 120  # ingest takes the first snapshot soon after connecting
    while True:
        status, headers, body = _call(url, token)
        if status != 404 or time.monotonic() > deadline:
            break
        assert json.loads(body)["code"] == "gateway.snapshot.not_found", body
        time.sleep(2)
    assert status == 200, body
    assert headers["content-type"] == "image/jpeg"
    assert headers["cache-control"] == "no-store"
    assert headers["x-audit-event-id"]
    assert jpeg_size(body) == (320, 240)  # the simulated camera's picture
