"""``python -m tncam_gateway.bench``: login cost and API latency of the gateway, measured.

Starts throwaway NATS and PostgreSQL (the test kit), the gateway as a process, creates
accounts, then runs the load generator in a *second process* on loopback and prints p50/p99
and requests/s beside the targets. For the scoped camera list it also starts the real registry
and imports 10,000 cameras through its ``import_cameras`` operation, spread over the communes
(one owning unit each: the 92 commune units of the province's reference data).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tncam_gateway.domain.passwords import Argon2Parameters, PasswordHasher
from tncam_gateway.domain.tokens import TokenCodec

# The benchmark's accounts get a fresh password each run (never a literal in code); the load
# generator process receives it through its environment.
PASSWORD_ENV = "TNCAM_BENCH_PASSWORD"  # noqa: S105 - a variable name
PASSWORD = os.environ.get(PASSWORD_ENV) or secrets.token_urlsafe(24)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def argon2_cost(rounds: int = 20) -> dict[str, float]:
    """Median ms of one Argon2id hash and one verification with the OWASP parameters."""
    hasher = PasswordHasher(Argon2Parameters())
    encoded = hasher.hash(PASSWORD)
    hashes, verifies = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        hasher.hash(PASSWORD)
        hashes.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        hasher.verify(encoded, PASSWORD)
        verifies.append((time.perf_counter() - t0) * 1000)
    return {"hash_ms": statistics.median(hashes), "verify_ms": statistics.median(verifies)}


def jwt_cost(rounds: int = 5000) -> dict[str, float]:
    """Microseconds to sign and to verify one access token."""
    from datetime import UTC, datetime

    codec = TokenCodec(secrets.token_bytes(32), issuer="i", audience="a", ttl_s=600)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    tokens = [
        codec.issue(
            account_id="a",
            session_id="s",
            role="unit_operator",
            unit_id="u",
            token_version=1,
            now=now,
        )[0]
        for _ in range(rounds)
    ]
    issue_us = (time.perf_counter() - t0) / rounds * 1e6
    t0 = time.perf_counter()
    for t in tokens:
        codec.verify(t, now=now)
    return {"issue_us": issue_us, "verify_us": (time.perf_counter() - t0) / rounds * 1e6}


# ------------------------------------------------------------------------ load generator


async def _load(url: str, kind: str, accounts: list[str], seconds: float, workers: int) -> Any:
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    tokens: dict[str, str] = {}

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        if kind in ("me", "cameras"):
            for name in accounts:
                r = await client.post(
                    "/api/v1/auth/token", data={"username": name, "password": PASSWORD}
                )
                tokens[name] = r.json()["access_token"]

        async def worker(i: int) -> None:
            n = 0
            while time.monotonic() < deadline:
                name = accounts[(i + n * workers) % len(accounts)]
                n += 1
                t0 = time.perf_counter()
                if kind == "token":
                    r = await client.post(
                        "/api/v1/auth/token", data={"username": name, "password": PASSWORD}
                    )
                elif kind == "cameras":
                    r = await client.get(
                        "/api/v1/cameras",
                        params={"page_size": 50},
                        headers={"Authorization": f"Bearer {tokens[name]}"},
                    )
                else:
                    r = await client.get(
                        "/api/v1/me", headers={"Authorization": f"Bearer {tokens[name]}"}
                    )
                latencies.append((time.perf_counter() - t0) * 1000)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        started = time.monotonic()
        await asyncio.gather(*(worker(i) for i in range(workers)))
        elapsed = time.monotonic() - started
    return {
        "kind": kind,
        "workers": workers,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": _pct(latencies, 0.50),
        "p99_ms": _pct(latencies, 0.99),
        "statuses": statuses,
    }


def run_load(url: str, kind: str, accounts: list[str], seconds: float, workers: int) -> Any:
    """The load generator, in a second process (so it does not share the server's CPU time
    slice in one interpreter)."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tncam_gateway.bench",
            "--load",
            kind,
            "--url",
            url,
            "--seconds",
            str(seconds),
            "--workers",
            str(workers),
            "--accounts",
            ",".join(accounts),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
        env={**os.environ, PASSWORD_ENV: PASSWORD},
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ the stack


async def seed_registry(nats_url: str, ns: str, cameras_n: int) -> list[str]:
    """Import ``cameras_n`` cameras through the registry's operation; the commune codes."""
    from tncam.common.v1 import actor_pb2
    from tncam.registry.v1 import service_pb2 as rpb
    from tncam_contracts.catalog import REGISTRY_GET_CONNECTION_REPORT, REGISTRY_IMPORT_CAMERAS
    from tncam_mesh.bus import connect
    from tncam_mesh.rpc import call

    actor = actor_pb2.Actor(id="bench", role=actor_pb2.ROLE_PROVINCE_ADMIN)
    bus = await connect(nats_url, name="gw-bench-seed")
    try:
        report = await call(
            bus,
            REGISTRY_GET_CONNECTION_REPORT,
            rpb.GetConnectionReportRequest(actor=actor, format=rpb.REPORT_FORMAT_JSON),
            rpb.GetConnectionReportReply,
            namespace=ns,
            timeout=60,
        )
        communes = [row.commune_code for row in report.report.rows]
        kinds = ("committee_hq", "service_center", "square", "public_place")
        header = "code,name,commune_code,site_kind,rtsp_url,sector\n"
        rows = [
            f"bench-{i:05d},Camera {i},{communes[i % len(communes)]},"
            f"{kinds[(i // len(communes)) % 4]},rtsp://10.9.{i // 250}.{i % 250}/main,"
            f"{'traffic' if i % 7 == 0 else ''}\n"
            for i in range(cameras_n)
        ]
        for start in range(0, len(rows), 2000):
            reply = await call(
                bus,
                REGISTRY_IMPORT_CAMERAS,
                rpb.ImportCamerasRequest(
                    actor=actor,
                    filename="bench.csv",
                    content=(header + "".join(rows[start : start + 2000])).encode(),
                ),
                rpb.ImportCamerasReply,
                namespace=ns,
                timeout=600,
            )
            if not reply.accepted:
                raise RuntimeError(f"import refused: {list(reply.errors)[:3]}")
        return communes
    finally:
        await bus.close()


async def _create_accounts(
    base: str, password: str, keys: dict[str, str], ns: str, nats_url: str, names: list[str]
) -> None:
    """The audit stream and the benchmark's unit operator accounts (one password for all)."""
    from tncam_contracts.catalog import AUDIT_STREAM
    from tncam_gateway.db import accounts as repo
    from tncam_gateway.service.context import build_auth
    from tncam_gateway.settings import GatewaySettings
    from tncam_mesh.bus import connect
    from tncam_mesh.db import create_engine, service_url, session_factory, unit_of_work
    from tncam_mesh.jetstream import ensure_stream

    bus = await connect(nats_url, name="gw-bench")
    await ensure_stream(bus.js, AUDIT_STREAM.scoped(ns))
    await bus.close()
    settings = GatewaySettings(
        environment="test",
        database_url=base,
        db_password=password,
        jwt_signing_key=keys["jwt"],
        mfa_encryption_key=keys["mfa"],
    )
    engine = create_engine(
        service_url(base, user="tncam_gateway", password=password),
        schema="gateway",
        application_name="bench",
    )
    auth = build_auth(settings, session_factory(engine), sink=None)  # type: ignore[arg-type]
    encoded = await auth.hash_password(PASSWORD)
    now = auth.clock()
    async with unit_of_work(auth.sessions) as s:
        for i, name in enumerate(names):
            await repo.insert(
                s,
                id=str(uuid.uuid4()),
                username=name,
                display_name=name,
                role="unit_operator",
                unit_id=f"unit-{i % 100:03d}",
                password_hash=encoded,
                password_changed_at=now,
                created_at=now,
                updated_at=now,
            )
    await engine.dispose()


def _service_env(
    db_env: dict[str, str], nats_url: str, ns: str, keys: dict[str, str]
) -> dict[str, str]:
    """The environment of the registry and gateway processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    env.update(db_env)
    env.update(
        {
            "TNCAM_ENVIRONMENT": "test",
            "TNCAM_NATS_URL": nats_url,
            "TNCAM_NATS_NAMESPACE": ns,
            "TNCAM_LOG_LEVEL": "WARNING",
            "TNCAM_GATEWAY_JWT_SIGNING_KEY": keys["jwt"],
            "TNCAM_GATEWAY_MFA_ENCRYPTION_KEY": keys["mfa"],
            "TNCAM_GATEWAY_RATE_LIMIT_ADDRESS_PER_MINUTE": "10000000",
            "TNCAM_GATEWAY_RATE_LIMIT_USER_PER_MINUTE": "10000000",
        }
    )
    return env


def _measure(
    gw_url: str,
    nats_url: str,
    ns: str,
    base: str,
    password: str,
    names: list[str],
    seconds: float,
    cameras_n: int,
) -> list[Any]:
    """Seed the registry, put the accounts into its communes, run the loads."""
    t0 = time.monotonic()
    communes = asyncio.run(seed_registry(nats_url, ns, cameras_n))
    results: list[Any] = [
        {
            "kind": "seed",
            "cameras": cameras_n,
            "units": len(communes),
            "seconds": time.monotonic() - t0,
        }
    ]
    # Unit operators of the commune units (accounts were made for unit-NNN).
    scoped = asyncio.run(_scope_accounts(base, password, names, communes))
    for kind, accounts, workers in (
        ("token", names, 1),
        ("token", names, 8),
        ("me", names, 1),
        ("me", names, 16),
        ("cameras", scoped, 1),
        ("cameras", scoped, 16),
    ):
        results.append(run_load(gw_url, kind, accounts, seconds, workers=workers))
    return results


def run_stack(seconds: float, accounts_n: int, cameras_n: int = 10_000) -> list[Any]:
    """NATS + PostgreSQL + the registry and gateway processes; accounts; the load runs."""
    from tncam_testkit.database import migrate_all
    from tncam_testkit.nats import NatsServer
    from tncam_testkit.postgres import PostgresServer
    from tncam_testkit.services import ServiceProcess

    with tempfile.TemporaryDirectory(prefix="tncam-gw-bench-") as tmp:
        root = Path(tmp)
        (root / "nats").mkdir()
        (root / "pg").mkdir()
        with NatsServer(root / "nats") as nats, PostgresServer(root / "pg") as pg:
            base = f"postgresql://127.0.0.1:{pg.port}/{pg.database}"
            db = asyncio.run(migrate_all(pg.dsn(), base))
            ns = "bench"
            password = db.passwords["gateway"]
            keys = {
                "jwt": secrets.token_urlsafe(48),
                "mfa": secrets.token_urlsafe(48),
                "credentials": secrets.token_urlsafe(32),
            }
            names = [f"op{i:03d}.{uuid.uuid4().hex[:6]}" for i in range(accounts_n)]
            asyncio.run(_create_accounts(base, password, keys, ns, nats.url, names))
            env = _service_env(db.env(), nats.url, ns, keys)
            registry = ServiceProcess(
                "registry",
                env=env | {"TNCAM_REGISTRY_CREDENTIALS_KEY": keys["credentials"]},
                log_dir=root,
                ready_timeout=120.0,  # a busy shared machine starts it slowly
            )
            registry.start()
            gw = ServiceProcess("gateway", env=env, log_dir=root, ready_timeout=120.0)
            gw.start()
            try:
                return _measure(gw.url, nats.url, ns, base, password, names, seconds, cameras_n)
            finally:
                gw.stop()
                registry.stop()


async def _scope_accounts(
    base: str, password: str, names: list[str], communes: list[str]
) -> list[str]:
    """Put the benchmark accounts into the commune units (one unit each, round robin)."""
    from tncam_contracts.units import commune_unit_id
    from tncam_gateway.db import accounts as repo
    from tncam_mesh.db import create_engine, service_url, session_factory, unit_of_work

    engine = create_engine(
        service_url(base, user="tncam_gateway", password=password),
        schema="gateway",
        application_name="bench",
    )
    async with unit_of_work(session_factory(engine)) as s:
        for i, name in enumerate(names):
            account = await repo.by_username(s, name)
            assert account is not None
            await repo.update(s, account.id, unit_id=commune_unit_id(communes[i % len(communes)]))
    await engine.dispose()
    return names


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m tncam_gateway.bench")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--accounts", default="")
    parser.add_argument("--accounts-n", type=int, default=50)
    parser.add_argument("--load", choices=["token", "me", "cameras"])
    parser.add_argument("--cameras", type=int, default=10_000)
    parser.add_argument("--url", default="")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    if args.load:
        result = asyncio.run(
            _load(args.url, args.load, args.accounts.split(","), args.seconds, args.workers)
        )
        print(json.dumps(result))
        return 0

    a = argon2_cost()
    j = jwt_cost()
    print("tncam gateway benchmark (2-core machine; loopback; load generator in a 2nd process)")
    print()
    print(f"{'measure':<44} {'value':>12}  target / note")
    print(
        f"{'Argon2id hash (m=19 MiB, t=2, p=1), median':<44} {a['hash_ms']:>9.1f} ms  cost of login"
    )
    print(f"{'Argon2id verify, median':<44} {a['verify_ms']:>9.1f} ms  stated, OWASP minimum")
    print(f"{'JWT HS256 sign':<44} {j['issue_us']:>9.1f} µs")
    print(f"{'JWT HS256 verify (+claims checks)':<44} {j['verify_us']:>9.1f} µs")
    labels = {
        "token": "POST /auth/token",
        "me": "GET /me (auth + revocation check)",
        "cameras": "GET /cameras scoped (page 50)",
    }
    for r in run_stack(args.seconds, args.accounts_n, args.cameras):
        if r["kind"] == "seed":
            print(
                f"{'registry import (real import_cameras)':<44} {r['cameras']:>6} cameras, "
                f"{r['units']} units in {r['seconds']:.1f} s"
            )
            continue
        name = f"{labels[r['kind']]}, {r['workers']} conn"
        target = "  target p99 < 50 ms" if r["kind"] == "cameras" else ""
        print(
            f"{name:<44} p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
            f"{r['rps']:7.1f} req/s  statuses {r['statuses']}{target}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
