"""Talking ONVIF to a camera: the probe, the security probes and PTZ (``onvif-zeep-async``).

Every request has a deadline (``timeout_s`` for the whole operation, and per socket read), a
response over ``max_response_bytes`` is refused while it is read (a hostile device cannot
make the registry buffer or parse megabytes), and the service addresses a device advertises
are only followed on the device's own host (a device cannot point the registry elsewhere).
Authentication is WS-Security UsernameToken with a password digest. Errors come out as
:class:`OnvifError` with a stable ``kind``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import zeep.exceptions
from lxml import etree
from onvif.client import _WSDL_PATH, AsyncTransportProtocolErrorHandler, ONVIFService
from onvif.definition import SERVICES

from tncam_registry.domain.onvif import (
    DeviceProbe,
    Encoder,
    Profile,
    SecurityEvidence,
    codec_name,
    onvif_version,
)

T = TypeVar("T")
# The library logs whole SOAP envelopes at DEBUG, WS-Security digest and nonce included (a
# token a device accepts for minutes): never, whatever the service's log level.
for _name in ("onvif", "zeep"):
    logging.getLogger(_name).setLevel(logging.WARNING)
#: How many media profiles are read (a device listing more is read in part).
MAX_PROFILES = 8
_AUTH_WORDS = ("notauthorized", "not authorized", "unauthorized", "authentication", "sender not")


class OnvifError(Exception):
    """A device that could not be probed; ``kind`` is stable: ``unreachable``, ``timeout``,
    ``auth_failed``, ``not_onvif``, ``soap_fault``, ``invalid_response``,
    ``response_too_large``, ``unsupported``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class _TooLargeError(Exception):
    pass


class _NotSoapError(Exception):
    pass


@dataclass(frozen=True)
class Limits:
    """Deadlines and sizes of ONVIF requests."""

    timeout_s: float = 10.0
    max_response_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class Endpoint:
    """A device service URL and the credentials to use (None: no credentials)."""

    url: str
    username: str | None = None
    password: str | None = None


class _BoundedTransport(AsyncTransportProtocolErrorHandler):  # type: ignore[misc]
    """The library's aiohttp transport, reading at most ``limit`` bytes of a response."""

    def __init__(self, session: aiohttp.ClientSession, limit: int) -> None:
        super().__init__(session=session, verify_ssl=True, cache=None)
        self.limit = limit
        self.last_status = 0

    async def _post_internal(
        self, address: str, message: str | bytes, headers: dict[str, str]
    ) -> tuple[aiohttp.ClientResponse, bytes]:
        headers = dict(headers or {})
        headers.setdefault("Content-Type", 'text/xml; charset="utf-8"')
        data = message.encode("utf-8") if isinstance(message, str) else message
        response = await self.session.post(address, data=data, headers=headers)
        self.last_status = response.status
        try:
            kind = response.content_type.lower()
            if response.status != 401 and "xml" not in kind:
                raise _NotSoapError(f"HTTP {response.status} {kind or 'without a content type'}")
            if response.content_length is not None and response.content_length > self.limit:
                raise _TooLargeError(f"{response.content_length} bytes declared")
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > self.limit:
                    raise _TooLargeError(f"over {self.limit} bytes")
            return response, bytes(body)
        finally:
            response.release()


def _binding(kind: str) -> tuple[str, str]:
    d = SERVICES[kind]
    return os.path.join(_WSDL_PATH, d["wsdl"]), "{{{}}}{}".format(d["ns"], d["binding"])


@contextlib.asynccontextmanager
async def _service(kind: str, xaddr: str, ep: Endpoint, limits: Limits) -> AsyncIterator[Any]:
    wsdl, binding = _binding(kind)
    svc = ONVIFService(xaddr, ep.username, ep.password, wsdl, True, True, binding_name=binding)
    await svc._session.close()  # replaced by one with our deadlines and size limit
    timeout = aiohttp.ClientTimeout(
        total=limits.timeout_s, connect=limits.timeout_s, sock_read=limits.timeout_s
    )
    session = aiohttp.ClientSession(timeout=timeout)
    svc._session = session
    svc._connector = session.connector
    svc.transport = _BoundedTransport(session, limits.max_response_bytes)
    try:
        await svc.setup()
        if ep.username is None:  # no credentials: every operation without WS-Security
            svc.ws_client = svc.ws_client_authless
        yield svc
    finally:
        await session.close()


def _fault_text(e: zeep.exceptions.Fault) -> str:
    parts = [str(e.message or ""), str(e.code or ""), *(str(s) for s in (e.subcodes or []))]
    return " ".join(parts).lower()


async def _call(svc: Any, op: str, params: Any = None, *, authless: bool = False) -> Any:
    """One ONVIF operation, its failures as :class:`OnvifError`."""
    name = f"authless_{op}" if authless else op
    try:
        return await getattr(svc, name)(params)
    except _TooLargeError as e:
        raise OnvifError("response_too_large", f"{op}: response too large ({e})") from e
    except _NotSoapError as e:
        raise OnvifError("not_onvif", f"{op}: not an ONVIF answer ({e})") from e
    except zeep.exceptions.Fault as e:
        status = getattr(svc.transport, "last_status", 0)
        if status == 401 or any(w in _fault_text(e) for w in _AUTH_WORDS):
            raise OnvifError("auth_failed", f"{op}: the device refused the credentials") from e
        raise OnvifError("soap_fault", f"{op}: SOAP fault: {str(e.message)[:200]}") from e
    except zeep.exceptions.TransportError as e:
        if e.status_code == 401:
            raise OnvifError("auth_failed", f"{op}: HTTP 401") from e
        raise OnvifError("not_onvif", f"{op}: HTTP {e.status_code}, not an ONVIF answer") from e
    except (
        zeep.exceptions.XMLSyntaxError,
        zeep.exceptions.XMLParseError,
        etree.XMLSyntaxError,
    ) as e:
        raise OnvifError("invalid_response", f"{op}: the answer is not valid XML") from e
    except (TimeoutError, aiohttp.ServerTimeoutError) as e:
        raise OnvifError("timeout", f"{op}: no answer in time") from e
    except (aiohttp.ClientConnectionError, OSError) as e:
        raise OnvifError("unreachable", f"{op}: cannot connect ({type(e).__name__})") from e
    except (aiohttp.ClientError, zeep.exceptions.Error, ValueError, AttributeError) as e:
        raise OnvifError("invalid_response", f"{op}: unexpected answer ({type(e).__name__})") from e


async def _optional(svc: Any, op: str, params: Any = None) -> Any:
    """An operation a device need not support (network settings): None when it faults."""
    try:
        return await _call(svc, op, params)
    except OnvifError as e:
        if e.kind in ("soap_fault", "not_onvif", "invalid_response"):
            return None
        raise


def _same_host(device_url: str, xaddr: str) -> str:
    """``xaddr`` with the device's own scheme, host and port (its path kept)."""
    d, x = urlsplit(device_url), urlsplit(xaddr or device_url)
    return urlunsplit((d.scheme, d.netloc, x.path or d.path, x.query, ""))


def strip_credentials(uri: str) -> str:
    """A URI without user info."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _get(obj: Any, *path: str) -> Any:
    for name in path:
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return obj


def _encoder(vec: Any) -> Encoder | None:
    if vec is None:
        return None
    gop = _get(vec, "H264", "GovLength") or _get(vec, "GovLength") or 0
    return Encoder(
        codec=codec_name(str(_get(vec, "Encoding") or "")),
        width=int(_get(vec, "Resolution", "Width") or 0),
        height=int(_get(vec, "Resolution", "Height") or 0),
        fps=float(_get(vec, "RateControl", "FrameRateLimit") or 0),
        bitrate_kbps=int(_get(vec, "RateControl", "BitrateLimit") or 0),
        gop=int(gop),
    )


def _device_time(reply: Any) -> dt.datetime | None:
    utc = _get(reply, "UTCDateTime")
    if utc is None:
        return None
    d, t = utc.Date, utc.Time
    try:
        return dt.datetime(d.Year, d.Month, d.Day, t.Hour, t.Minute, t.Second, tzinfo=dt.UTC)
    except (TypeError, ValueError):
        return None


async def _clock(svc: Any) -> tuple[dt.datetime | None, float | None]:
    """The device's UTC clock and its drift from ours (seconds, + = device ahead)."""
    sent = dt.datetime.now(dt.UTC)
    try:
        reply = await _call(svc, "GetSystemDateAndTime", authless=True)
    except OnvifError as e:
        if e.kind != "auth_failed":
            raise
        reply = await _call(svc, "GetSystemDateAndTime")
    received = dt.datetime.now(dt.UTC)
    when = _device_time(reply)
    if when is None:
        return None, None
    ours = sent + (received - sent) / 2
    return when, round((when - ours).total_seconds(), 1)


async def _services(svc: Any) -> list[tuple[str, str, str]]:
    """(namespace, version, xaddr) of every service the device lists."""
    reply = await _optional(svc, "GetServices", {"IncludeCapability": False})
    out = []
    for s in reply or []:
        v = _get(s, "Version")
        version = f"{_get(v, 'Major') or 0}.{_get(v, 'Minor') or 0}" if v is not None else ""
        out.append((str(_get(s, "Namespace") or ""), version, str(_get(s, "XAddr") or "")))
    if out:
        return out
    caps = await _call(svc, "GetCapabilities", {"Category": "All"})
    for name, ns in (("Media", "media"), ("PTZ", "ptz")):
        xaddr = _get(caps, name, "XAddr")
        if xaddr:
            out.append((SERVICES[ns]["ns"], "", str(xaddr)))
    major = _get(caps, "Device", "System", "SupportedVersions")
    if major:
        top = max(major, key=lambda v: (v.Major, v.Minor))
        out.append((SERVICES["devicemgmt"]["ns"], f"{top.Major}.{top.Minor}", ""))
    return out


async def _profiles(media: Any) -> tuple[Profile, ...]:
    profiles = []
    for p in list(await _call(media, "GetProfiles") or [])[:MAX_PROFILES]:
        token = str(_get(p, "token") or "")
        uri = await _call(
            media,
            "GetStreamUri",
            {
                "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                "ProfileToken": token,
            },
        )
        profiles.append(
            Profile(
                token=token,
                name=str(_get(p, "Name") or ""),
                encoder=_encoder(_get(p, "VideoEncoderConfiguration")),
                stream_uri=strip_credentials(str(_get(uri, "Uri") or "")),
            )
        )
    return tuple(profiles)


async def _network(svc: Any) -> dict[str, Any]:
    hostname = await _optional(svc, "GetHostname")
    ifaces = await _optional(svc, "GetNetworkInterfaces")
    ntp = await _optional(svc, "GetNTP")
    addresses, dhcp = [], False
    for iface in ifaces or []:
        cfg = _get(iface, "IPv4", "Config")
        dhcp = dhcp or bool(_get(cfg, "DHCP"))
        for a in (_get(cfg, "Manual") or []) + (
            [_get(cfg, "FromDHCP")] if _get(cfg, "FromDHCP") else []
        ):
            if _get(a, "Address"):
                addresses.append(f"{a.Address}/{_get(a, 'PrefixLength') or ''}".rstrip("/"))
    servers = [
        str(_get(s, "IPv4Address") or _get(s, "DNSname") or "")
        for s in (_get(ntp, "NTPManual") or []) + (_get(ntp, "NTPFromDHCP") or [])
    ]
    return {
        "hostname": str(_get(hostname, "Name") or ""),
        "addresses": tuple(addresses),
        "dhcp": dhcp,
        "ntp_servers": tuple(s for s in servers if s),
    }


def _xaddr(services: Sequence[tuple[str, str, str]], kind: str) -> str | None:
    ns = SERVICES[kind]["ns"]
    return next((x for n, _, x in services if n == ns), None)


class OnvifClient:
    """The ONVIF operations the registry needs, each bounded by ``limits``."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    async def _bounded(self, work: Callable[[], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self.limits.timeout_s * 3):
                return await work()
        except TimeoutError as e:
            raise OnvifError("timeout", "the device did not finish answering in time") from e

    async def probe(self, ep: Endpoint) -> DeviceProbe:
        """Device information, services, profiles and stream URIs, clock, network."""
        return await self._bounded(lambda: self._probe(ep))

    async def _probe(self, ep: Endpoint) -> DeviceProbe:
        async with _service("devicemgmt", ep.url, ep, self.limits) as dev:
            device_time, drift = await _clock(dev)
            info = await _call(dev, "GetDeviceInformation")
            services = await _services(dev)
            network = await _network(dev)
        media_x = _xaddr(services, "media")
        if media_x is None:
            raise OnvifError("unsupported", "the device lists no media service")
        async with _service("media", _same_host(ep.url, media_x), ep, self.limits) as media:
            profiles = await _profiles(media)
        return DeviceProbe(
            vendor=str(_get(info, "Manufacturer") or ""),
            model=str(_get(info, "Model") or ""),
            firmware=str(_get(info, "FirmwareVersion") or ""),
            serial=str(_get(info, "SerialNumber") or ""),
            hardware_id=str(_get(info, "HardwareId") or ""),
            onvif_version=onvif_version([(n, v) for n, v, _ in services if v]),
            services=tuple((n, v) for n, v, _ in services),
            profiles=profiles,
            device_time=device_time,
            clock_drift_s=drift,
            ptz=_xaddr(services, "ptz") is not None,
            **network,
        )

    async def accepts(self, ep: Endpoint) -> bool | None:
        """Whether the device answers GetDeviceInformation with these credentials (None when
        it does not answer clearly either way)."""
        authless = ep.username is None

        async def work() -> bool:
            async with _service("devicemgmt", ep.url, ep, self.limits) as dev:
                await _call(dev, "GetDeviceInformation", authless=authless)
                await _call(dev, "GetUsers" if not authless else "GetScopes", authless=authless)
                return True

        try:
            return await self._bounded(work)
        except OnvifError as e:
            return False if e.kind == "auth_failed" else None

    async def security(
        self,
        ep: Endpoint,
        probe: DeviceProbe,
        defaults: Sequence[tuple[str, str]],
    ) -> SecurityEvidence:
        """The security probes: ONVIF and RTSP without credentials, the vendor's defaults."""
        onvif_open = await self.accepts(Endpoint(ep.url))
        main = probe.main
        status = None
        if main is not None and main.stream_uri:
            status = await rtsp_describe_status(main.stream_uri, ep.url, self.limits)
        accepted = ""
        if not onvif_open:
            for user, password in defaults:  # the registry's own account too, if it is one
                if await self.accepts(Endpoint(ep.url, user, password)):
                    accepted = user
                    break
        return SecurityEvidence(
            https=urlsplit(ep.url).scheme == "https",
            onvif_open=onvif_open,
            rtsp_status_without_auth=status,
            default_credentials=accepted,
        )

    async def ptz(self, ep: Endpoint, action: str, params: dict[str, Any]) -> list[tuple[str, str]]:
        """One PTZ action (``continuous_move``, ``stop``, ``goto_preset``, ``list_presets``)
        on the device's first PTZ-capable profile; the presets (token, name) when listing."""
        return await self._bounded(lambda: self._ptz(ep, action, params))

    async def _ptz(
        self, ep: Endpoint, action: str, params: dict[str, Any]
    ) -> list[tuple[str, str]]:
        async with _service("devicemgmt", ep.url, ep, self.limits) as dev:
            services = await _services(dev)
        ptz_x, media_x = _xaddr(services, "ptz"), _xaddr(services, "media")
        if ptz_x is None or media_x is None:
            raise OnvifError("unsupported", "the device has no PTZ service")
        async with _service("media", _same_host(ep.url, media_x), ep, self.limits) as media:
            profiles = list(await _call(media, "GetProfiles") or [])
        with_ptz = [p for p in profiles if _get(p, "PTZConfiguration") is not None] or profiles
        if not with_ptz:
            raise OnvifError("unsupported", "the device has no media profile")
        token = str(with_ptz[0].token)
        async with _service("ptz", _same_host(ep.url, ptz_x), ep, self.limits) as ptz:
            if action == "continuous_move":
                await _call(
                    ptz,
                    "ContinuousMove",
                    {
                        "ProfileToken": token,
                        "Velocity": {
                            "PanTilt": {"x": params["pan"], "y": params["tilt"]},
                            "Zoom": {"x": params["zoom"]},
                        },
                        "Timeout": dt.timedelta(seconds=params["timeout_s"]),
                    },
                )
            elif action == "stop":
                await _call(ptz, "Stop", {"ProfileToken": token, "PanTilt": True, "Zoom": True})
            elif action == "goto_preset":
                await _call(
                    ptz, "GotoPreset", {"ProfileToken": token, "PresetToken": params["preset"]}
                )
            else:
                presets = await _call(ptz, "GetPresets", {"ProfileToken": token})
                return [(str(p.token), str(_get(p, "Name") or "")) for p in presets or []]
            return []


async def rtsp_describe_status(uri: str, device_url: str, limits: Limits) -> int | None:
    """The status of an RTSP DESCRIBE of ``uri`` without credentials (None: no answer, or the
    URI is not on the device's own host)."""
    parts = urlsplit(uri)
    if parts.scheme != "rtsp" or parts.hostname != urlsplit(device_url).hostname:
        return None
    request = (
        f"DESCRIBE {strip_credentials(uri)} RTSP/1.0\r\nCSeq: 1\r\n"
        "Accept: application/sdp\r\nUser-Agent: tncam-registry\r\n\r\n"
    ).encode()
    writer = None
    try:
        async with asyncio.timeout(limits.timeout_s):
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 554)
            writer.write(request)
            await writer.drain()
            line = await reader.readline()
    except (OSError, TimeoutError, ValueError):
        return None
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    fields = line.decode("latin-1", "replace").split()
    if len(fields) >= 2 and fields[0].startswith("RTSP/") and fields[1].isdigit():
        return int(fields[1])
    return None
