"""Fixtures shared by the e2e tests."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import asyncpg
import pytest
import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp

from tncam_gateway.settings import GatewaySettings
from tncam_mesh.bus import Bus, connect
from tncam_mesh.db import create_engine
from tncam_mesh.migrations import upgrade
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.postgres import PostgresServer
from tncam_testkit.services import migrations_dir

T = TypeVar("T")

#: The ``tncam`` command of this environment.
TNCAM = str(Path(sys.executable).with_name("tncam"))

# Registry tables holding cameras and their history, children first.
REGISTRY_CAMERA_TABLES = (
    "camera_change_requests",
    "registry_updates",
    "outbox",
    "fault_tickets",
    "state_transitions",
    "connection_edges",
    "camera_connection",
    "cameras",
    "sites",
    "connection_needs",
)


async def _empty_registry(db: MigratedDatabase) -> None:
    engine = create_engine(
        db.url("registry"), schema="registry", pool_size=1, application_name="e2e"
    )
    try:
        async with engine.begin() as conn:
            for table in REGISTRY_CAMERA_TABLES:
                await conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - constants
    finally:
        await engine.dispose()


@pytest.fixture
def empty_registry(migrated_database: MigratedDatabase) -> None:
    """No camera in the session's registry schema: reports and fleets see only this test's.

    (Cameras left by another test would also be published into this test's namespace when
    the registry starts, and pulled by its ingest.)
    """
    asyncio.run(_empty_registry(migrated_database))


@contextlib.contextmanager
def _audit_database(
    postgres_server: PostgresServer, migrated_database: MigratedDatabase
) -> Iterator[str]:
    """A database of its own for an audit service (its schema at head), dropped afterwards."""
    name = f"audit_e2e_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(postgres_server.dsn())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f"CREATE DATABASE {name}"))
    asyncio.run(
        upgrade(
            postgres_server.dsn(name),
            script_location=migrations_dir("audit"),
            schema="audit",
            role="tncam_audit",
            role_password=migrated_database.passwords["audit"],
        )
    )
    try:
        yield name
    finally:
        asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def audit_database(
    postgres_server: PostgresServer, migrated_database: MigratedDatabase
) -> Iterator[str]:
    """A database of its own for this test's audit service."""
    with _audit_database(postgres_server, migrated_database) as name:
        yield name


@pytest.fixture(scope="module")
def module_audit_database(
    postgres_server: PostgresServer, migrated_database: MigratedDatabase
) -> Iterator[str]:
    """A database of its own for the audit service of a module's shared platform."""
    with _audit_database(postgres_server, migrated_database) as name:
        yield name


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    """A connection of the test itself to the session's NATS."""
    b = await connect(nats_server.url, name="tncam-e2e", timeout=5.0)
    try:
        yield b
    finally:
        await b.close(timeout=5.0)


def ts(t: dt.datetime) -> Timestamp:
    """A protobuf timestamp."""
    out = Timestamp()
    out.FromDatetime(t)
    return out


def run_tncam(
    env: dict[str, str] | None, *args: str, text: bool = True
) -> subprocess.CompletedProcess[Any]:
    """Run the ``tncam`` command with ``env`` (None: this process's environment), output
    captured, exit code not checked."""
    return subprocess.run(
        [TNCAM, *args], env=env, capture_output=True, text=text, timeout=60, check=False
    )


async def insert_gateway_account(
    settings: GatewaySettings,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    mfa_secret: str | None = None,
    **fields: Any,
) -> str:
    """An account written directly into the gateway schema (bootstrap only works on an empty
    schema, and its admin would need TOTP for every step); returns its id. ``mfa_secret``
    enrols (and confirms) TOTP; ``fields`` are further columns (``unit_id``, ...)."""
    from tncam_gateway.db import accounts as repo
    from tncam_gateway.service.context import build_auth
    from tncam_mesh.db import service_url, session_factory, unit_of_work

    engine = create_engine(
        service_url(
            settings.database_url,
            user="tncam_gateway",
            password=settings.db_password.get_secret_value(),
        ),
        schema="gateway",
        application_name="e2e",
    )
    auth = build_auth(settings, session_factory(engine), sink=None)  # type: ignore[arg-type]
    account_id = str(uuid.uuid4())
    now = auth.clock()
    values: dict[str, Any] = {
        "id": account_id,
        "username": username,
        "display_name": display_name,
        "role": role,
        **fields,
        "password_hash": await auth.hash_password(password),
        "password_changed_at": now,
        "created_at": now,
        "updated_at": now,
    }
    if mfa_secret is not None:
        values["mfa_secret_enc"] = auth.box.seal(mfa_secret, context=account_id)
        values["mfa_confirmed"] = True
    async with unit_of_work(auth.sessions) as s:
        await repo.insert(s, **values)
    await engine.dispose()
    return account_id


@dataclass
class RunningStack:
    """``make run`` (``python -m tncam_testkit.stack``) started as a user starts it."""

    proc: subprocess.Popen[str]
    output: list[str]
    env: dict[str, str]  # its stack.env: every generated key and URL
    services: dict[str, str]  # service name -> base URL, as it printed them
    admin_totp: str  # the bootstrapped province_admin's TOTP secret
    state: Path

    @property
    def gateway(self) -> str:
        return self.services["gateway"]


_SERVICE_LINE = re.compile(r"^\s+(\w+)\s+(http://\S+)/livez", re.M)


@contextlib.contextmanager
def running_stack(
    state: Path, admin: tuple[str, str], *args: str, timeout_s: float = 240
) -> Iterator[RunningStack]:
    """The stack with ``args`` (``--cameras N`` ...), until it printed its URLs; Ctrl-C after."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    env |= {"TNCAM_BOOTSTRAP_ADMIN_USER": admin[0], "TNCAM_BOOTSTRAP_ADMIN_PASSWORD": admin[1]}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tncam_testkit.stack", *args, "--state-dir", str(state)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    running = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if line.strip().startswith("logs:"):
                running.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + timeout_s
        while not running.wait(0.5):
            assert proc.poll() is None, "make run ended:\n" + "".join(output)
            assert time.monotonic() < deadline, "make run did not start:\n" + "".join(output)
        text = "".join(output)
        secret = re.search(r"TOTP secret[^:]*: (\S+)", text)
        services = dict(_SERVICE_LINE.findall(text))
        assert secret, text
        assert "gateway" in services, text
        stack_env = {}
        for line in (state / "stack.env").read_text().splitlines():
            name, value = line.removeprefix("export ").split("=", 1)
            stack_env[name] = shlex.split(value)[0] if value else ""
        yield RunningStack(proc, output, stack_env, services, secret.group(1), state)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        reader.join(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()


# --- one ``make run`` stack shared by the browser modules --------------------------------------

#: The modules that use the shared stack; they run one after the other (moved together by
#: pytest_collection_modifyitems below), and the stack stops after the last test of the last
#: of them (see pytest_runtest_teardown below).
MAKE_RUN_MODULES = frozenset(
    {
        "test_live_browser",
        "test_live_console_browser",
        "test_console_records_browser",
        "test_console_playback_browser",
        "test_dev_stack",
    }
)
#: Of those, the modules that run after the others (they play back minutes of recordings).
MAKE_RUN_LAST = frozenset({"test_console_playback_browser"})
#: Its fleet: CAM-01-001 sends H.265, CAM-02-002 … CAM-04-004 H.264 (communes 01-04).
MAKE_RUN_ARGS = ("--cameras", "4", "--h264", "2", "--h264", "3", "--h264", "4")
#: Its first province_admin.
MAKE_RUN_ADMIN = ("live-admin", "Hồ Núi Cốc lặng gió 2026")


@dataclass
class TotpCodes:
    """TOTP codes of one secret, never the same step twice (the gateway refuses a replayed or
    older step): the current step, else the next one (accepted too), else wait for it."""

    secret: str
    used: int = -1

    def _take(self) -> str | None:
        from tncam_gateway.domain import totp

        now = totp.step_of(dt.datetime.now(dt.UTC))
        step = max(now, self.used + 1)
        if step > now + 1:
            return None
        self.used = step
        return totp.code_at(self.secret, step)

    @staticmethod
    def _to_next_step() -> float:
        """Seconds until the next TOTP step begins (and a little more)."""
        return 30.2 - time.time() % 30

    def next(self) -> str:
        code = self._take()
        if code is None:
            time.sleep(self._to_next_step())
            code = self._take()
        assert code is not None
        return code

    async def next_async(self) -> str:
        code = self._take()
        if code is None:
            await asyncio.sleep(self._to_next_step())
            code = self._take()
        assert code is not None
        return code


@dataclass
class SharedStack:
    running: RunningStack
    admin_codes: TotpCodes


#: Groups of modules that share what one fixture starts (started once, by the first of them
#: that asks, and stopped after the last test of the last of them): the modules of a group run
#: one after the other (moved together by pytest_collection_modifyitems below).
MODULE_GROUPS: dict[str, frozenset[str]] = {
    "make_run": MAKE_RUN_MODULES,
    # One registry and gateway (the same settings and namespace in both modules).
    "gateway_api": frozenset({"test_gateway_api", "test_generated_clients"}),
}


class _Groups:
    exits: ClassVar[dict[str, contextlib.ExitStack]] = {}
    values: ClassVar[dict[str, Any]] = {}


def group_resource(group: str, start: Callable[[contextlib.ExitStack], T]) -> T:
    """What ``start`` returns, started once for the modules of ``group`` (MODULE_GROUPS):
    ``start`` enters what must be stopped into the exit stack it is given."""
    if group not in _Groups.exits:
        exit_stack = contextlib.ExitStack()
        with contextlib.ExitStack() as on_error:
            on_error.callback(exit_stack.close)
            _Groups.values[group] = start(exit_stack)
            on_error.pop_all()
        _Groups.exits[group] = exit_stack
    value: T = _Groups.values[group]
    return value


@pytest.fixture(scope="module")
def make_run_stack(tmp_path_factory: pytest.TempPathFactory) -> SharedStack:
    """The ``make run`` stack of MAKE_RUN_ARGS, started by the first module that asks."""

    def start(exit_stack: contextlib.ExitStack) -> SharedStack:
        state = tmp_path_factory.mktemp("make-run-stack")
        running = exit_stack.enter_context(running_stack(state, MAKE_RUN_ADMIN, *MAKE_RUN_ARGS))
        return SharedStack(running, TotpCodes(running.admin_totp))

    return group_resource("make_run", start)


def _module_name(item: pytest.Item) -> str:
    module = getattr(item, "module", None)
    return module.__name__.rsplit(".", 1)[-1] if module is not None else ""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules of each group run one after the other (what they share starts once), where
    the last of them was collected, MAKE_RUN_LAST at the end; the other tests keep their
    order."""
    for modules in MODULE_GROUPS.values():
        shared = [i for i in items if _module_name(i) in modules]
        if not shared:
            continue
        last = max(n for n, i in enumerate(items) if _module_name(i) in modules)
        rest = [i for i in items if _module_name(i) not in modules]
        before = sum(1 for i in items[:last] if _module_name(i) not in modules)
        shared.sort(key=lambda i: _module_name(i) in MAKE_RUN_LAST)
        items[:] = rest[:before] + shared + rest[before:]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Stop what a group shares once the next test is not one of its modules."""
    yield
    upcoming = _module_name(nextitem) if nextitem else ""
    for group in list(_Groups.exits):
        if upcoming not in MODULE_GROUPS[group]:
            exit_stack = _Groups.exits.pop(group)
            _Groups.values.pop(group, None)
            exit_stack.close()
