"""The NATS connection every service holds: reconnects forever, logs state, closes by draining."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self

import nats.errors
from nats.aio.client import Client
from nats.js.client import JetStreamContext

from tncam_mesh.errors import UnavailableError
from tncam_mesh.redact import mask_url, mask_urls_in

if TYPE_CHECKING:
    from tncam_mesh.settings import ServiceSettings

log = logging.getLogger("tncam.mesh.bus")

BusState = Literal["connected", "disconnected", "reconnected", "closed"]

RECONNECT_WAIT_S = 1  # nats-py takes whole seconds
CONNECT_ATTEMPT_TIMEOUT_S = 2
# A dead link (no TCP reset, e.g. a NAT timeout) is noticed after about a minute instead of the
# client default of six.
PING_INTERVAL_S = 20
MAX_OUTSTANDING_PINGS = 3
JS_API_TIMEOUT_S = 5.0


class Bus:
    """A connected NATS client and its JetStream context."""

    def __init__(self, nc: Client, *, js_timeout: float = JS_API_TIMEOUT_S) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream(timeout=js_timeout)

    @property
    def is_connected(self) -> bool:
        """True while connected (also while draining); False while reconnecting or closed."""
        return bool(self.nc.is_connected)

    @property
    def is_closed(self) -> bool:
        return bool(self.nc.is_closed)

    async def close(self, timeout: float = 10.0) -> None:
        """Drain (finish subscriptions, flush publishes) within ``timeout`` seconds, then close."""
        if self.nc.is_closed:
            return
        try:
            if self.nc.is_connected and not self.nc.is_draining:
                # drain() bounds the subscription phase itself; the outer timeout also bounds
                # its final flush, which waits on a server that may be gone.
                self.nc.options["drain_timeout"] = max(timeout / 2, 0.1)
                async with asyncio.timeout(timeout):
                    await self.nc.drain()
        except (TimeoutError, nats.errors.Error) as e:
            log.warning("NATS drain did not finish cleanly: %s", mask_urls_in(str(e) or repr(e)))
        finally:
            if not self.nc.is_closed:
                await self.nc.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class _Callbacks:
    """The client's connection callbacks: logged with masked URLs, reported as states."""

    def __init__(self, nc: Client, shown: str, on_state: Callable[[BusState], None] | None) -> None:
        self.nc = nc
        self.shown = shown
        self.on_state = on_state
        self.connected = False

    def report(self, state: BusState) -> None:
        if self.on_state is not None:
            try:
                self.on_state(state)
            except Exception:
                log.exception("on_state callback failed for %r", state)

    async def error(self, e: Exception) -> None:
        # The client retries on its own; before the first success each failed attempt lands here.
        level = logging.WARNING if self.connected else logging.INFO
        log.log(level, "NATS error (%s): %s", self.shown, mask_urls_in(str(e) or repr(e)))

    async def disconnected(self) -> None:
        if self.connected and not self.nc.is_closed:
            log.warning("NATS disconnected from %s; reconnecting", self.shown)
            self.report("disconnected")

    async def reconnected(self) -> None:
        url = self.nc.connected_url
        log.info("NATS reconnected to %s", mask_url(url.geturl()) if url else self.shown)
        self.report("reconnected")

    async def closed(self) -> None:
        if self.connected:
            log.info("NATS connection to %s closed", self.shown)
            self.report("closed")


async def connect(
    url: str | list[str],
    *,
    name: str,
    user: str | None = None,
    password: str | None = None,
    creds_file: str | None = None,
    on_state: Callable[[BusState], None] | None = None,
    timeout: float = 10.0,
    reconnect_wait: int = RECONNECT_WAIT_S,
) -> Bus:
    """Connect to NATS, reconnecting forever once up; raise UnavailableError after ``timeout``."""
    servers = [url] if isinstance(url, str) else list(url)
    shown = ", ".join(mask_url(u) for u in servers)
    nc = Client()
    callbacks = _Callbacks(nc, shown, on_state)
    try:
        # With unlimited attempts the client retries the first connection forever too;
        # the caller's timeout turns that into an error it can report.
        async with asyncio.timeout(timeout):
            await nc.connect(
                servers,
                name=name,
                error_cb=callbacks.error,
                disconnected_cb=callbacks.disconnected,
                reconnected_cb=callbacks.reconnected,
                closed_cb=callbacks.closed,
                allow_reconnect=True,
                # Forever: a service without NATS is useless, and readiness reports the outage.
                max_reconnect_attempts=-1,
                reconnect_time_wait=reconnect_wait,
                connect_timeout=max(1, min(CONNECT_ATTEMPT_TIMEOUT_S, math.ceil(timeout))),
                ping_interval=PING_INTERVAL_S,
                max_outstanding_pings=MAX_OUTSTANDING_PINGS,
                user=user,
                password=password,
                user_credentials=creds_file,
            )
    except (TimeoutError, OSError, nats.errors.Error) as e:
        await _abandon(nc)
        raise UnavailableError(
            "bus.connect.unavailable",
            f"could not connect to NATS at {shown} within {timeout:.1f} s",
        ) from e
    except BaseException:
        await _abandon(nc)
        raise
    callbacks.connected = True
    log.info("NATS connected to %s as %r", shown, name)
    callbacks.report("connected")
    return Bus(nc)


async def connect_settings(
    settings: ServiceSettings,
    *,
    name: str,
    on_state: Callable[[BusState], None] | None = None,
    timeout: float | None = None,
) -> Bus:
    """:func:`connect` with the NATS URL and credentials of ``settings`` (``TNCAM_NATS_*``).

    ``timeout`` defaults to the settings' ``nats_connect_timeout_s``.
    """
    password = settings.nats_password.get_secret_value() if settings.nats_password else None
    return await connect(
        # A cluster's seed servers, comma-separated (nats://n1:4222,nats://n2:4222).
        [u.strip() for u in settings.nats_url.split(",") if u.strip()],
        name=name,
        user=settings.nats_user or None,
        password=password or None,
        creds_file=str(settings.nats_creds_file) if settings.nats_creds_file else None,
        on_state=on_state,
        timeout=settings.nats_connect_timeout_s if timeout is None else timeout,
    )


async def _abandon(nc: Client) -> None:
    # A half-open client still owns reader/pinger tasks; close it so nothing leaks.
    try:
        await nc.close()
    except Exception as e:  # best effort on a connection that never came up
        log.debug("closing an unconnected NATS client failed: %s", e)
