"""The life of a service process: settings, logging, metrics, NATS, health, supervised tasks.

``run_service`` is the single entry point of every ``python -m tncam_<name>``:

1. settings are loaded; a bad one exits with code 2 and one line naming it;
2. the ops HTTP server starts at once (``/livez`` answers, ``/readyz`` says "starting");
3. NATS is connected, then the service's own lifespan sets up its resources and starts its
   background work in the runtime's task group;
4. SIGTERM/SIGINT: readiness turns false, intake stops (the lifespan exits), NATS drains,
   HTTP stops; the whole shutdown is bounded by ``shutdown_grace_s`` (Kubernetes gives 30 s).

A background task that fails takes the process down (exit 1): a half-working service that
looks alive is worse than a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Any, Generic, NoReturn, TypedDict, TypeVar

from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from tncam_contracts.catalog import StreamSpec, dead_letter_subject
from tncam_mesh.bus import Bus, connect_settings
from tncam_mesh.consumer import BatchHandler, Handler, Outcome, consume, consume_batches
from tncam_mesh.declare import until_declared
from tncam_mesh.errors import TncamError
from tncam_mesh.health import Health
from tncam_mesh.http import HttpServer, ops_app, ops_routes
from tncam_mesh.jetstream import ConsumerSpec, ensure_stream, observe_publishes
from tncam_mesh.logs import configure_logging
from tncam_mesh.metrics import Metrics
from tncam_mesh.periodic import Work, run_every
from tncam_mesh.settings import ServiceSettings, settings_or_exit

S = TypeVar("S", bound=ServiceSettings)
T = TypeVar("T")
log = logging.getLogger("tncam.mesh.runtime")


class _Wiring(TypedDict):
    """What ``Runtime`` passes to every consumer of the service."""

    stream: str
    consumer: ConsumerSpec
    stop: asyncio.Event
    dead_letter_subject: str
    on_outcome: Callable[[Outcome], None]
    service: str
    worker_id: str
    health: Health


@dataclass
class Runtime(Generic[S]):
    """What a service's lifespan gets: settings, metrics, health, the bus and its task group."""

    settings: S
    metrics: Metrics
    health: Health
    bus: Bus
    stopping: asyncio.Event
    tasks: asyncio.TaskGroup
    http_app: ASGIApp
    # Tasks still running (a done one leaves: per-session tasks come and go for months).
    _spawned: set[asyncio.Task[None]] = field(default_factory=set)

    def spawn(self, name: str, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Start a supervised background task: if it fails, the service stops with exit 1."""

        async def supervised() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self.metrics.task_failures.labels(task=name).inc()
                self.health.fatal = f"task {name} failed: {e}"
                log.exception("background task failed", extra={"task": name})
                raise

        def done(task: asyncio.Task[None]) -> None:
            self._spawned.discard(task)
            # Cancelled before its first step, ``supervised`` never awaited ``coro``: close it
            # (a no-op for one that ran) rather than leave "never awaited" to the collector.
            coro.close()

        task = self.tasks.create_task(supervised(), name=name)
        self._spawned.add(task)
        task.add_done_callback(done)
        return task

    def every(
        self,
        name: str,
        interval_s: float,
        work: Work,
        *,
        first_after_s: float = 0.0,
        after: asyncio.Event | None = None,
    ) -> asyncio.Task[None]:
        """Spawn ``work`` every ``interval_s`` (once ``after`` is set), with the one policy.

        Transient failures are logged, counted and retried next round; any other failure
        stops the service (see :mod:`tncam_mesh.periodic`).
        """

        async def loop() -> None:
            if after is not None and not await _until(after, self.stopping):
                return
            await run_every(
                name,
                interval_s,
                work,
                stop=self.stopping,
                metrics=self.metrics,
                first_after_s=first_after_s,
            )

        return self.spawn(name, loop())

    async def consume(
        self,
        stream: StreamSpec,
        consumer: ConsumerSpec,
        handler: Handler,
        *,
        batch: int = 16,
        worker: str = "",
        stop: asyncio.Event | None = None,
    ) -> None:
        """Handle ``consumer`` on this service's ``stream`` until stopping, fully wired.

        The stream is scoped to the namespace; dead letters go to the stream's dead-letter
        subject; outcomes are counted in ``tncam_mesh_consumer_messages_total``; dead
        letters name this service and ``<instance>/<worker>``. ``stop`` (which the caller
        sets when stopping too) ends this one loop earlier.
        """
        wiring = self._wiring(stream, consumer, worker)
        if stop is not None:
            wiring["stop"] = stop
        await consume(self.bus.js, handler=handler, batch=batch, **wiring)

    async def consume_batches(
        self,
        stream: StreamSpec,
        consumer: ConsumerSpec,
        handler: BatchHandler,
        *,
        batch: int = 16,
        worker: str = "",
    ) -> None:
        """As ``consume``, each fetched batch handed whole to ``handler`` (which settles it)."""
        await consume_batches(
            self.bus.js, handler=handler, batch=batch, **self._wiring(stream, consumer, worker)
        )

    def _wiring(self, stream: StreamSpec, consumer: ConsumerSpec, worker: str) -> _Wiring:
        ns = self.settings.nats_namespace
        scoped = stream.scoped(ns).name
        counter = self.metrics.consumer_messages
        instance = self.settings.instance_id
        return {
            "stream": scoped,
            "consumer": consumer,
            "stop": self.stopping,
            "dead_letter_subject": dead_letter_subject(stream, ns),
            "on_outcome": lambda o: counter.labels(
                stream=scoped, consumer=consumer.durable, outcome=o
            ).inc(),
            "service": self.settings.service_name,
            "worker_id": f"{instance}/{worker}" if worker else instance,
            "health": self.health,
        }

    async def until_declared(self, what: str, declare: Callable[[], Awaitable[T]]) -> T:
        """Run ``declare`` (of a stream, bucket or consumer) until NATS answers it, not ready
        meanwhile (the check ``jetstream`` names ``what``): see :mod:`tncam_mesh.declare`."""
        return await until_declared(what, declare, health=self.health, stop=self.stopping)

    def cancel_leftovers(self) -> None:
        """Cancel background tasks that did not end when the lifespan stopped them."""
        for task in list(self._spawned):
            if not task.done():
                log.warning(
                    "task still running at shutdown, cancelled", extra={"task": task.get_name()}
                )
                task.cancel()


async def _until(event: asyncio.Event, stop: asyncio.Event) -> bool:
    """Wait for ``event``; False if ``stop`` came first."""
    waits = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())}
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
    return event.is_set() and not stop.is_set()


Lifespan = Callable[[Runtime[S]], contextlib.AbstractAsyncContextManager[None]]
# Builds the service's HTTP app around the ops routes (the gateway's API); the lifespan
# later finds it as ``rt.http_app`` to attach its state.
AppFactory = Callable[[list[BaseRoute]], ASGIApp]


async def serve(
    settings: S,
    lifespan: Lifespan[S],
    *,
    app_factory: AppFactory | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run a service until ``stop`` is set (or SIGTERM/SIGINT arrives), then shut down."""
    service = settings.service_name
    metrics = Metrics(service, settings.instance_id)
    health = Health()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    app = app_factory(ops_routes(health, metrics)) if app_factory else ops_app(health, metrics)
    http = HttpServer(app, settings.http_host, settings.http_port)
    try:
        async with asyncio.TaskGroup() as tg, asyncio.timeout(None) as deadline:
            tg.create_task(http.serve(), name="http")
            bus = await _connect_bus(settings, metrics, health, stop)
            if bus is None:  # stopped before NATS answered
                http.stop()
                return
            rt = Runtime(settings, metrics, health, bus, stop, tg, app)
            async with lifespan(rt):
                # Ready only once the server holds every subscription the lifespan made (one
                # PING/PONG): a request sent as soon as /readyz says ok finds its responder.
                await bus.nc.flush()
                health.started = True
                log.info("ready", extra={"port": settings.http_port})
                await stop.wait()
                health.stopping = True
                log.info("shutting down", extra={"grace_s": settings.shutdown_grace_s})
                # Leaving the lifespan stops intake and finishes in-flight work, in bounded time.
                deadline.reschedule(loop.time() + settings.shutdown_grace_s)
            rt.cancel_leftovers()
            await _close(bus, settings.shutdown_grace_s / 2)
            http.stop()
    except TimeoutError:
        log.error("shutdown exceeded %.1f s", settings.shutdown_grace_s)
        raise
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    log.info("stopped")


async def _connect_bus(
    settings: ServiceSettings, metrics: Metrics, health: Health, stop: asyncio.Event
) -> Bus | None:
    def on_state(state: str) -> None:
        metrics.nats_connected.set(1 if state == "connected" else 0)
        if state == "reconnected":
            metrics.nats_reconnects.inc()
            metrics.nats_connected.set(1)

    connecting = asyncio.ensure_future(
        connect_settings(
            settings,
            name=f"tncam-{settings.service_name}-{settings.instance_id}",
            on_state=on_state,
        )
    )
    stopped = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({connecting, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if connecting not in done:
        connecting.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await connecting
        return None
    bus = connecting.result()
    metrics.nats_connected.set(1)
    published = metrics.published
    observe_publishes(
        bus.js, lambda stream, result: published.labels(stream=stream, result=result).inc()
    )

    async def nats_check() -> None:
        if not bus.is_connected:
            raise ConnectionError("NATS disconnected")

    health.add_check("nats", nats_check)
    return bus


async def _close(bus: Bus, grace: float) -> None:
    with contextlib.suppress(Exception):
        await bus.close(timeout=max(1.0, grace / 2))


def run_service(
    settings_cls: type[S],
    lifespan: Lifespan[S],
    *,
    app_factory: AppFactory | None = None,
) -> NoReturn:
    """The ``python -m tncam_<name>`` entry point: load settings, serve, exit with a code."""
    settings = settings_or_exit(settings_cls)
    configure_logging(
        settings.service_name,
        level=settings.log_level,
        fmt=settings.log_format,
        instance=settings.instance_id,
    )
    try:
        asyncio.run(serve(settings, lifespan, app_factory=app_factory))
    except* TncamError as eg:
        for err in eg.exceptions:
            log.error("service failed: %s", err, extra={"code": getattr(err, "code", None)})
        sys.exit(1)
    except* Exception:
        log.exception("service failed")
        sys.exit(1)
    sys.exit(0)


async def declare_streams(rt: Runtime[Any], *specs: StreamSpec) -> None:
    """Declare (idempotently) the streams this service produces, under its namespace.

    A cluster that does not answer in time is waited for (``Runtime.until_declared``).
    """
    replicas = rt.settings.nats_replicas
    for spec in specs:
        scoped = replace(spec.scoped(rt.settings.nats_namespace), replicas=replicas)
        await rt.until_declared(
            f"stream {scoped.name} ({replicas} replicas)",
            functools.partial(ensure_stream, rt.bus.js, scoped),
        )
