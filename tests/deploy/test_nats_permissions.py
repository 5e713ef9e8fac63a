"""The production NATS users: each service may publish only what it produces."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
import yaml
from nats.aio.client import Client

from tncam_testkit.nats import nats_server_binary, settled
from tncam_testkit.procs import ManagedProcess, free_port, port_open

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingest", "registry", "recorder", "audit", "gateway", "live")


@pytest.fixture(scope="module")
def passwords() -> dict[str, str]:
    # A letter first: nats-server reads a variable's value like a config value, and one that
    # starts with "-" (token_urlsafe's alphabet has it) is taken for a number and fails.
    return {s: "p" + secrets.token_urlsafe(16) for s in SERVICES}


def helm_values_accounts() -> str:
    """The accounts of deploy/nats/helm-values.yaml (the official NATS chart's config.merge) as
    the chart writes them into nats.conf: JSON, with its << $X >> raw values bare."""
    values = yaml.safe_load((ROOT / "deploy/nats/helm-values.yaml").read_text())
    accounts = json.dumps({"accounts": values["config"]["merge"]["accounts"]}, indent=1)
    env = values["container"]["env"]
    for service in SERVICES:
        ref = env[f"{service.upper()}_NATS_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "tncam-nats", "key": f"{service}-nats-password"}
    return re.sub(r'"<< (\$[A-Z_]+) >>"', r"\1", accounts)


# Both forms of the production accounts: the server config's include and the NATS chart's values.
@pytest.fixture(scope="module", params=["accounts.conf", "helm-values.yaml"])
def secured_nats(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    passwords: dict[str, str],
) -> Iterator[str]:
    work = tmp_path_factory.mktemp("nats-auth")
    port = free_port()
    accounts = (
        (ROOT / "deploy/nats/accounts.conf").read_text()
        if request.param == "accounts.conf"
        else helm_values_accounts()
    )
    (work / "accounts.conf").write_text(accounts)
    (work / "server.conf").write_text(
        f"listen: 127.0.0.1:{port}\n"
        f'jetstream {{ store_dir: "{work}/js", sync_interval: always }}\n'
        "include ./accounts.conf\n"
    )
    env = {**os.environ, **{f"{s.upper()}_NATS_PASSWORD": p for s, p in passwords.items()}}
    check = subprocess.run(
        [nats_server_binary(), "-t", "-c", str(work / "server.conf")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    proc = ManagedProcess(
        "nats-auth",
        [nats_server_binary(), "-c", str(work / "server.conf")],
        log_path=work / "nats.log",
        env=env,
        ready=lambda: port_open(port),
    )
    with proc:
        yield f"nats://127.0.0.1:{port}"


async def _connect(url: str, service: str, password: str, errors: list[str]) -> Client:
    async def on_error(e: Exception) -> None:
        errors.append(str(e))

    return await nats.connect(
        url,
        user=f"tncam-{service}",
        password=password,
        error_cb=on_error,
        allow_reconnect=False,
    )


@pytest.fixture
async def clients(
    secured_nats: str, passwords: dict[str, str]
) -> AsyncIterator[tuple[dict[str, Client], dict[str, list[str]]]]:
    errors: dict[str, list[str]] = {s: [] for s in SERVICES}
    conns = {s: await _connect(secured_nats, s, passwords[s], errors[s]) for s in SERVICES}
    try:
        yield conns, errors
    finally:
        for c in conns.values():
            await c.close()


async def test_wrong_password_is_refused(secured_nats: str) -> None:
    # Spoken in the plain NATS protocol: nats-py leaks its socket on a refused CONNECT.
    host, port = secured_nats.removeprefix("nats://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        assert (await reader.readline()).startswith(b"INFO ")
        writer.write(
            b'CONNECT {"user":"tncam-ingest","pass":"wrong","verbose":false,"protocol":1}\r\n'
            b"PING\r\n"
        )
        await writer.drain()
        reply = await asyncio.wait_for(reader.readline(), 5)
        assert b"Authorization Violation" in reply
    finally:
        writer.close()
        await writer.wait_closed()


async def test_gateway_may_request_registry_operations(
    clients: tuple[dict[str, Client], dict[str, list[str]]],
) -> None:
    conns, errors = clients

    async def reply(msg: nats.aio.msg.Msg) -> None:
        await msg.respond(b"ok")

    await conns["registry"].subscribe("tncam.registry.v1.list_cameras", cb=reply)
    await settled(conns["registry"])
    answer = await conns["gateway"].request("tncam.registry.v1.list_cameras", b"", timeout=2)
    assert answer.data == b"ok"
    assert not errors["gateway"]


async def test_gateway_may_relay_whep_to_the_live_edge(
    clients: tuple[dict[str, Client], dict[str, list[str]]],
) -> None:
    conns, errors = clients

    async def reply(msg: nats.aio.msg.Msg) -> None:
        await msg.respond(b"answer:" + msg.subject.encode())

    # open_session on any replica (queue group), trickle/close on the holding replica's subject.
    await conns["live"].subscribe("tncam.live.v1.open_session", queue="tncam-live", cb=reply)
    await conns["live"].subscribe("tncam.live.v1.control.live-a1", cb=reply)
    await settled(conns["live"])
    opened = await conns["gateway"].request("tncam.live.v1.open_session", b"offer", timeout=2)
    assert opened.data == b"answer:tncam.live.v1.open_session"
    closed = await conns["gateway"].request("tncam.live.v1.control.live-a1", b"close", timeout=2)
    assert closed.data == b"answer:tncam.live.v1.control.live-a1"
    assert not errors["gateway"]
    assert not errors["live"]


async def test_live_demands_reach_ingest_and_access_units_reach_the_edge(
    clients: tuple[dict[str, Client], dict[str, list[str]]],
) -> None:
    conns, errors = clients
    demands: asyncio.Queue[str] = asyncio.Queue()
    units: asyncio.Queue[str] = asyncio.Queue()

    async def on_demand(msg: nats.aio.msg.Msg) -> None:
        await demands.put(msg.subject)

    async def on_unit(msg: nats.aio.msg.Msg) -> None:
        await units.put(msg.subject)

    await conns["ingest"].subscribe("tncam.live.v1.demand.*", cb=on_demand)
    await conns["live"].subscribe("tncam.live.v1.au.CAM-1.main", cb=on_unit)
    await settled(conns["ingest"])
    await settled(conns["live"])
    await conns["live"].publish("tncam.live.v1.demand.CAM-1", b"demand")
    await settled(conns["live"])
    assert await asyncio.wait_for(demands.get(), 2) == "tncam.live.v1.demand.CAM-1"
    await conns["ingest"].publish("tncam.live.v1.au.CAM-1.main", b"keyframe")
    await settled(conns["ingest"])
    assert await asyncio.wait_for(units.get(), 2) == "tncam.live.v1.au.CAM-1.main"
    assert not errors["ingest"]
    assert not errors["live"]


@pytest.mark.parametrize(
    ("service", "subject"),
    [
        ("gateway", "tncam.live.v1.au.CAM-1.main"),  # the gateway never sees pictures
        ("gateway", "tncam.live.v1.open_session"),  # nor poses as a live replica
        ("ingest", "tncam.live.v1.control.*"),
        ("live", "tncam.live.v1.au.>"),  # pictures per camera stream, not a catch-all
        ("live", "tncam.recording.v1.*"),
    ],
)
async def test_forbidden_live_subscription_is_refused(
    clients: tuple[dict[str, Client], dict[str, list[str]]], service: str, subject: str
) -> None:
    conns, errors = clients
    await conns[service].subscribe(subject)
    await settled(conns[service])
    for _ in range(50):
        if errors[service]:
            break
        await asyncio.sleep(0.05)
    assert any("permissions violation for subscription" in e.lower() for e in errors[service]), (
        errors[service]
    )


@pytest.mark.parametrize(
    ("service", "subject"),
    [
        ("gateway", "tncam.registry.v1.resolve_credentials"),  # only ingest sees credentials
        ("gateway", "tncam.camera.v1.status_changed.CAM-1"),  # cannot forge camera events
        ("gateway", "tncam.audit.v1.event_recorded.registry"),  # nor another's audit events
        ("ingest", "tncam.registry.v1.camera_config_changed.CAM-1"),
        ("recorder", "tncam.recording.v1.segment_closed.CAM-1"),
        ("audit", "$JS.API.STREAM.DELETE.AUDIT"),  # nobody deletes streams
        ("registry", "$JS.API.STREAM.PURGE.AUDIT"),
        # The live edge: demands only; no segments, audit events, pictures or JetStream.
        ("live", "tncam.recording.v1.segment_closed.CAM-1"),
        ("live", "tncam.recording.v1.segment_stored.CAM-1"),
        ("live", "tncam.audit.v1.event_recorded.live"),
        ("live", "tncam.live.v1.au.CAM-1.main"),  # cannot forge a camera's pictures
        ("live", "tncam.live.v1.open_session"),
        ("live", "$JS.API.STREAM.CREATE.LIVE"),
        ("gateway", "tncam.live.v1.au.CAM-1.main"),
        ("gateway", "tncam.live.v1.demand.CAM-1"),  # cannot make ingest open a camera
        ("ingest", "tncam.live.v1.open_session"),
        ("ingest", "tncam.live.v1.demand.CAM-1"),
    ],
)
async def test_forbidden_publish_is_refused(
    clients: tuple[dict[str, Client], dict[str, list[str]]], service: str, subject: str
) -> None:
    conns, errors = clients
    received: list[bytes] = []

    async def spy(msg: nats.aio.msg.Msg) -> None:
        received.append(msg.data)

    # The registry user may subscribe to its requests; the others' subjects are watched by a
    # subscription of the same user where allowed, otherwise only the error is observable.
    await conns[service].publish(subject, b"forged")
    await settled(conns[service])
    for _ in range(50):
        if errors[service]:
            break
        await asyncio.sleep(0.05)
    assert any("permissions violation" in e.lower() for e in errors[service]), errors[service]
    assert not received


async def test_registry_consumes_grants_and_the_audit_services_events(
    clients: tuple[dict[str, Client], dict[str, list[str]]],
) -> None:
    """The registry's notices (ADR 0025): pull consumers on GATEWAY (grants, published by the
    gateway) and AUDIT (the audit service's own events: breaches), acked, with its own user."""
    conns, errors = clients
    for stream, subject, producer in (
        ("GATEWAY", "tncam.gateway.v1.grant_issued.commune-01", "gateway"),
        ("AUDIT", "tncam.audit.v1.event_recorded.audit", "audit"),
    ):
        js = conns[producer].jetstream()
        await js.add_stream(name=stream, subjects=[subject.rsplit(".", 1)[0] + ".*"])
        await js.publish(subject, b"event")
        sub = (
            await conns["registry"]
            .jetstream()
            .pull_subscribe(subject, durable=f"registry-notify-{stream.lower()}", stream=stream)
        )
        [msg] = await sub.fetch(1, timeout=5)
        assert msg.data == b"event"
        await msg.ack_sync()
    assert not errors["registry"]
    assert not errors["gateway"]
    assert not errors["audit"]
