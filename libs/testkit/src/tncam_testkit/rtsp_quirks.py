# long module: one RTSP front; each quirk is a few lines in the request or relay path of the same
# connection, and the docstring's table names them all: split, a quirk would be read in two places
"""Camera quirks in front of a real RTSP server: what the simulators cannot be made to show.

A small RTSP front (an asyncio process) relays a real RTSP server on 127.0.0.1 (the GStreamer
simulator, LIVE555, aio-rtsp-toolkit) and changes, on the way, what real cameras are seen
to change. The quirks of a session are in its URL:

    rtsp://127.0.0.1:<front>/<quirk>+<quirk>.../<upstream port>/<upstream path>[?query]

(``plain`` for none). The client's requests go upstream with the URL rewritten; the
answers and the media come back with these changes:

| quirk | what the camera does |
|---|---|
| ``nosprop`` | SDP without ``sprop-*``: parameter sets in band only |
| ``audio`` | an AAC track in the SDP before the video, and audio RTP on channel 2 anyway |
| ``channels`` | the SETUP answer moves the stream to ``interleaved=6-7`` |
| ``nointerleaved`` | the SETUP answer's ``Transport`` has no ``interleaved`` |
| ``abscontrol`` | absolute ``a=control`` URLs and no ``Content-Base`` |
| ``nobase`` | relative ``a=control`` and no ``Content-Base``/``Content-Location`` |
| ``digest`` | Digest MD5 with ``qop=auth`` (after a Basic challenge), a nonce per connection |
| ``redirect``, ``redirect301`` | 302 / 301 to the URL without the quirk (OPTIONS, DESCRIBE) |
| ``timeout`` | ``Session: ...;timeout=3``: closed when no request came for 3.5 s after PLAY |
| ``noget`` | GET_PARAMETER refused (405), not in ``Public``: keep-alive with OPTIONS |
| ``wrap`` | RTP (and sender report) timestamps shifted so that they wrap 2 s in |
| ``gaps`` | every 50th video RTP packet lost (its sequence number skipped) |
| ``srshift`` | RTCP sender reports 1 s behind (a camera that buffered); no picture before one |
| ``srlate`` | sender reports held back until ``SR_LATE_S`` after the first picture (then relayed) |
| ``repeat`` | every 7th picture sent twice, one timestamp, sequence numbers running on (aio) |
| ``clockjump`` | its clock stepped by ``RtspQuirks.set_clock`` (e.g. +1 h, then back) |

``set_clock`` sends ``SET_PARAMETER rtsp://host:port/clock`` (body ``offset: <s>`` and
``rtp: 0|1``) to the front: every ``clockjump`` session, open or opened later, takes it at its
next picture boundary (a camera whose NTP sync stepped keeps it across reconnects): the sender
reports' NTP time moves by the offset, and with ``rtp: 1`` the RTP timestamps too.

``python -m tncam_testkit.rtsp_quirks --port P`` (Digest credentials from the environment:
``TNCAM_QUIRKS_USER``, ``TNCAM_QUIRKS_PASSWORD``). :class:`RtspQuirks` starts and stops it.
``python -m tncam_testkit.rtsp_quirks --aio DIR --port P`` runs the third-party
aio-rtsp-toolkit file server (PyPI) on DIR instead (:class:`AioRtspServer`).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import secrets
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tncam_testkit.procs import ManagedProcess, StartStop, free_port, port_open

HOST = "127.0.0.1"
QUIRKS = frozenset(
    [
        "plain",
        "nosprop",
        "audio",
        "channels",
        "nointerleaved",
        "abscontrol",
        "nobase",
        "digest",
        "redirect",
        "redirect301",
        "timeout",
        "noget",
        "wrap",
        "gaps",
        "srshift",
        "srlate",
        "repeat",
        "clockjump",
    ]
)
#: The ``repeat`` quirk sends every n-th picture twice (every GOP position is hit in time).
REPEAT_EVERY = 7
SESSION_TIMEOUT_S = 3
#: The ``srlate`` quirk holds sender reports back this long after the first picture: the
#: interop suite's first 2 s segment (1 s GOPs) is due 2-3 s after it, so the first report
#: comes a second after that cut, in a later read of the client.
SR_LATE_S = 4.0
RTP_CLOCK = 90_000


@dataclass
class _CameraClock:
    """The ``clockjump`` cameras' clock offset (seconds), set by ``SET_PARAMETER .../clock``."""

    offset_s: int = 0
    rtp: bool = True


_CLOCK = _CameraClock()
REALM = "tncam-quirks"
_AUDIO_SDP = (
    "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\n"
    "a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
    "indexdeltalength=3;config=1190\r\na=control:audio-track\r\n"
)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (RTSP Digest is MD5)


@dataclass
class _Message:
    first: str
    headers: list[tuple[str, str]]
    body: bytes

    def get(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def set(self, name: str, value: str | None) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        if value is not None:
            self.headers.append((name, value))

    def encode(self) -> bytes:
        self.set("Content-Length", str(len(self.body)) if self.body else None)
        head = "\r\n".join([self.first, *(f"{k}: {v}" for k, v in self.headers)])
        return head.encode("latin-1") + b"\r\n\r\n" + self.body


async def _read(reader: asyncio.StreamReader) -> tuple[int, bytes] | _Message:
    """One interleaved frame (channel, payload) or one RTSP message."""
    first = await reader.readexactly(1)
    if first == b"$":
        head = await reader.readexactly(3)
        return head[0], await reader.readexactly(struct.unpack(">H", head[1:])[0])
    raw = first + await reader.readuntil(b"\r\n\r\n")
    lines = raw.decode("latin-1").split("\r\n")
    headers = [(k.strip(), v.strip()) for k, _, v in (x.partition(":") for x in lines[1:] if x)]
    msg = _Message(lines[0], headers, b"")
    msg.body = await reader.readexactly(int(msg.get("Content-Length") or 0))
    return msg


@dataclass
class _Connection:
    """One client's connection and its upstream connection."""

    port: int
    user: str
    password: str
    client: asyncio.StreamWriter
    quirks: frozenset[str] = frozenset()
    prefix: str = ""  # the front's URL prefix of this session: rtsp://host:port/<quirks>/<up>
    upstream_prefix: str = ""
    upstream: asyncio.StreamWriter | None = None
    nonce: str = field(default_factory=lambda: secrets.token_hex(12))
    last_request: float = field(default_factory=time.monotonic)
    playing: bool = False
    packets: int = 0
    ts_offset: int | None = None
    pictures: int = 0  # video pictures relayed (their marker packets), for ``repeat``
    picture: list[bytes] = field(default_factory=list)  # the current picture's RTP packets
    seq_shift: int = 0  # sequence numbers taken by repeated packets so far
    #: ``clockjump``: the offset taken at the last picture boundary (seconds, RTP too or not).
    clock: tuple[int, bool] = (0, True)
    au_boundary: bool = True
    reported: bool = False  # a sender report relayed (``srshift``: no picture before one)
    #: ``srlate``: when the first picture was relayed, and the newest sender report held back.
    first_picture_at: float | None = None
    held_report: bytes | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def reply(self, req: _Message, status: str, headers: list[tuple[str, str]]) -> None:
        cseq = req.get("CSeq") or "0"
        self.client.write(_Message(f"RTSP/1.0 {status}", [("CSeq", cseq), *headers], b"").encode())

    # ------------------------------------------------------------------------- requests

    async def request(self, req: _Message) -> None:
        method, url, version = req.first.split(" ", 2)
        if method == "SET_PARAMETER" and re.match(r"rtsp://[^/]+/clock$", url):
            fields = dict(re.findall(r"(\w+):\s*(-?\d+)", req.body.decode("latin-1")))
            _CLOCK.offset_s, _CLOCK.rtp = int(fields["offset"]), fields.get("rtp", "1") != "0"
            print(f"camera clock offset {_CLOCK.offset_s:+d} s (rtp: {_CLOCK.rtp})", flush=True)
            self.reply(req, "200 OK", [])
            return
        m = re.match(r"rtsp://[^/]+/([^/]+)/(\d+)(/[^?]*)?(\?.*)?$", url)
        if m is None or not set(m[1].split("+")) <= QUIRKS:
            self.reply(req, "404 Not Found", [])
            return
        self.quirks = frozenset(m[1].split("+"))
        self.prefix = f"rtsp://{HOST}:{self.port}/{m[1]}/{m[2]}"
        self.upstream_prefix = f"rtsp://{HOST}:{m[2]}"
        self.last_request = time.monotonic()
        redirect = self.quirks & {"redirect", "redirect301"}
        if redirect and method in ("OPTIONS", "DESCRIBE"):
            rest = "+".join(sorted(self.quirks - redirect)) or "plain"
            location = f"rtsp://{HOST}:{self.port}/{rest}/{m[2]}{m[3] or ''}{m[4] or ''}"
            code = "301 Moved Permanently" if "redirect301" in redirect else "302 Found"
            self.reply(req, code, [("Location", location)])
            return
        if "digest" in self.quirks and not self._authorized(req, method):
            self.reply(
                req,
                "401 Unauthorized",
                [
                    ("WWW-Authenticate", f'Basic realm="{REALM}"'),
                    (
                        "WWW-Authenticate",
                        f'Digest realm="{REALM}", nonce="{self.nonce}", algorithm=MD5, '
                        f'qop="auth", opaque="{secrets.token_hex(4)}"',
                    ),
                ],
            )
            return
        if "noget" in self.quirks and method == "GET_PARAMETER":
            self.reply(req, "405 Method Not Allowed", [("Allow", "OPTIONS, DESCRIBE, SETUP, PLAY")])
            return
        req.first = f"{method} {url.replace(self.prefix, self.upstream_prefix, 1)} {version}"
        req.set("Authorization", None)
        if method == "PLAY":
            self.playing = True
        if self.upstream is None:
            reader, self.upstream = await asyncio.open_connection(HOST, int(m[2]))
            self.tasks.append(asyncio.create_task(self._from_upstream(reader)))
        self.upstream.write(req.encode())

    def _authorized(self, req: _Message, method: str) -> bool:
        value = req.get("Authorization") or ""
        if not value.startswith("Digest "):
            return False
        f = {k.lower(): a or b for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', value)}
        if f.get("qop") != "auth" or f.get("nonce") != self.nonce or f.get("username") != self.user:
            return False
        ha1 = _md5(f"{self.user}:{REALM}:{self.password}")
        ha2 = _md5(f"{method}:{f.get('uri', '')}")
        want = _md5(f"{ha1}:{self.nonce}:{f.get('nc')}:{f.get('cnonce')}:auth:{ha2}")
        return secrets.compare_digest(want, f.get("response", ""))

    # -------------------------------------------------------------------------- answers

    def answer(self, msg: _Message) -> None:
        q = self.quirks
        for name in ("Content-Base", "Content-Location", "RTP-Info"):
            value = msg.get(name)
            if value is not None:
                msg.set(name, value.replace(self.upstream_prefix, self.prefix))
        base = msg.get("Content-Base")
        if q & {"abscontrol", "nobase"}:
            msg.set("Content-Location", None)
            msg.set("Content-Base", None)
        transport = msg.get("Transport")
        if transport is not None and "channels" in q:
            msg.set("Transport", transport.replace("interleaved=0-1", "interleaved=6-7"))
        elif transport is not None and "nointerleaved" in q:
            msg.set("Transport", re.sub(r";interleaved=[\d-]+", "", transport))
        session = msg.get("Session")
        if session is not None and "timeout" in q:
            sid = session.split(";")[0]
            msg.set("Session", f"{sid};timeout={SESSION_TIMEOUT_S}")
        public = msg.get("Public")
        if public is not None and "noget" in q:
            msg.set("Public", re.sub(r",?\s*GET_PARAMETER", "", public))
        if msg.body and (msg.get("Content-Type") or "").startswith("application/sdp"):
            msg.body = self._sdp(msg.body.decode("latin-1"), base).encode("latin-1")
        self.client.write(msg.encode())

    def _sdp(self, sdp: str, base: str | None) -> str:
        q = self.quirks
        sdp = sdp.replace(self.upstream_prefix, self.prefix)
        if "nosprop" in q:
            sdp = re.sub(r"sprop-[\w-]+=[^;\r\n]*;?\s*", "", sdp)
        if "abscontrol" in q and base is not None:
            root = base.rstrip("/") + "/"

            def absolute(m: re.Match[str]) -> str:
                c = m[1]
                return m[0] if "://" in c or c == "*" else f"a=control:{root}{c}"

            sdp = re.sub(r"a=control:(\S+)", absolute, sdp)
        if "audio" in q:
            i = sdp.find("m=video")
            sdp = sdp[:i] + _AUDIO_SDP + sdp[i:]
        return sdp

    # ---------------------------------------------------------------------------- media

    def media(self, channel: int, payload: bytes) -> None:
        if channel == 0 and len(payload) >= 12 and "repeat" in self.quirks:
            for packet in self._repeating(payload):
                self._media(channel, packet)
        else:
            self._media(channel, payload)

    def _repeating(self, payload: bytes) -> list[bytes]:
        """The ``repeat`` quirk: the packet, renumbered; at the end of every
        ``REPEAT_EVERY``-th picture (its marker), the picture's packets once more, with the
        same timestamp and the next sequence numbers (what follows is renumbered after them)."""

        def renumbered(packet: bytes, shift: int) -> bytes:
            seq = (struct.unpack_from(">H", packet, 2)[0] + shift) & 0xFFFF
            return packet[:2] + struct.pack(">H", seq) + packet[4:]

        out = [renumbered(payload, self.seq_shift)]
        self.picture.append(payload)
        if payload[1] & 0x80:  # the marker: the picture ended
            self.pictures += 1
            if self.pictures % REPEAT_EVERY == 0:
                n = len(self.picture)
                out += [renumbered(p, self.seq_shift + n) for p in self.picture]
                self.seq_shift += n
            self.picture = []
        return out

    def _media(self, channel: int, payload: bytes) -> None:
        q = self.quirks
        if channel == 0 and len(payload) >= 12:
            if "srshift" in q and not self.reported:
                return  # a camera that reports first
            if "srlate" in q:
                self._release_report()
            self.packets += 1
            if "gaps" in q and self.packets % 50 == 25:
                return
            shift = 0
            if "wrap" in q:
                ts = struct.unpack_from(">I", payload, 4)[0]
                if self.ts_offset is None:
                    self.ts_offset = (2**32 - 2 * 90_000 - ts) & 0xFFFFFFFF
                shift = self.ts_offset
            if "clockjump" in q:
                if self.au_boundary:  # a clock steps between pictures, not inside one
                    self.clock = (_CLOCK.offset_s, _CLOCK.rtp)
                self.au_boundary = payload[1] & 0x80 != 0  # the marker: a picture's last packet
                shift += self._clock_ticks()
            if shift:
                ts = struct.unpack_from(">I", payload, 4)[0]
                payload = payload[:4] + struct.pack(">I", (ts + shift) & 0xFFFFFFFF) + payload[8:]
        elif channel == 1:
            payload = self._rtcp(bytearray(payload))
            if "srlate" in q and self._holds_reports():
                self.held_report = payload  # a sender report is still valid later: its pair
                return
        out = 6 + channel if "channels" in q and channel < 2 else channel
        self.client.write(b"$" + bytes((out,)) + struct.pack(">H", len(payload)) + payload)
        if "audio" in q and channel == 0 and self.packets % 5 == 0:
            hdr = struct.pack(">BBHII", 0x80, 0x80 | 97, self.packets & 0xFFFF, self.packets, 99)
            audio = hdr + b"\x00\x10\x01\x00" + secrets.token_bytes(32)
            chan = 8 if "channels" in q else 2
            self.client.write(b"$" + bytes((chan,)) + struct.pack(">H", len(audio)) + audio)

    def _holds_reports(self) -> bool:
        """``srlate``: sender reports are held back until ``SR_LATE_S`` after the first picture."""
        first = self.first_picture_at
        return first is None or time.monotonic() - first < SR_LATE_S

    def _release_report(self) -> None:
        """``srlate``, before each picture's packet: the held report once the time is up."""
        if self.first_picture_at is None:
            self.first_picture_at = time.monotonic()
        held = self.held_report
        if held is not None and not self._holds_reports():
            self.held_report = None
            out = 7 if "channels" in self.quirks else 1
            self.client.write(b"$" + bytes((out,)) + struct.pack(">H", len(held)) + held)

    def _rtcp(self, buf: bytearray) -> bytes:
        i = 0
        while i + 20 <= len(buf):
            if buf[i + 1] == 200:  # sender report
                self.reported = True
                if "srshift" in self.quirks:
                    sec = struct.unpack_from(">I", buf, i + 8)[0]
                    struct.pack_into(">I", buf, i + 8, sec - 1)
                if "clockjump" in self.quirks:
                    sec = struct.unpack_from(">I", buf, i + 8)[0]
                    struct.pack_into(">I", buf, i + 8, (sec + self.clock[0]) & 0xFFFFFFFF)
                shift = self._clock_ticks() if "clockjump" in self.quirks else 0
                if "wrap" in self.quirks and self.ts_offset is not None:
                    shift += self.ts_offset
                if shift:
                    ts = struct.unpack_from(">I", buf, i + 16)[0]
                    struct.pack_into(">I", buf, i + 16, (ts + shift) & 0xFFFFFFFF)
            i += 4 * (struct.unpack_from(">H", buf, i + 2)[0] + 1)
        return bytes(buf)

    def _clock_ticks(self) -> int:
        offset_s, rtp = self.clock
        return offset_s * RTP_CLOCK if rtp else 0

    # ------------------------------------------------------------------------- plumbing

    async def _from_upstream(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                item = await _read(reader)
                if isinstance(item, _Message):
                    self.answer(item)
                else:
                    self.media(*item)
                await self.client.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.client.close()

    async def watchdog(self) -> None:
        """The ``timeout`` quirk: a session without a request for its timeout is closed."""
        while True:
            await asyncio.sleep(0.25)
            idle = time.monotonic() - self.last_request
            if self.playing and "timeout" in self.quirks and idle > SESSION_TIMEOUT_S + 0.5:
                print(f"session timed out after {idle:.1f} s without a request", flush=True)
                self.client.close()
                if self.upstream is not None:
                    self.upstream.close()
                return


async def _serve(port: int, user: str, password: str) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Connection(port, user, password, writer)
        conn.tasks.append(asyncio.create_task(conn.watchdog()))
        try:
            while True:
                item = await _read(reader)
                if isinstance(item, _Message):
                    await conn.request(item)
                elif conn.upstream is not None:  # the client's RTCP
                    channel = item[0] - 6 if "channels" in conn.quirks else item[0]
                    conn.upstream.write(b"$" + bytes((channel,)) + struct.pack(">H", len(item[1])))
                    conn.upstream.write(item[1])
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            for task in conn.tasks:
                task.cancel()
            writer.close()
            if conn.upstream is not None:
                conn.upstream.close()

    server = await asyncio.start_server(handle, HOST, port)
    print(f"rtsp quirks front on rtsp://{HOST}:{port}/", flush=True)
    async with server:
        await server.serve_forever()


def _serve_aio(directory: str, port: int) -> None:
    """aio-rtsp-toolkit's RTSP/TCP file server (PyPI; nobody here wrote it) on ``port``."""
    import aio_rtsp_toolkit.server as aio

    async def main() -> None:
        server = aio.RtspServer(directory, HOST, port, session_timeout=60)
        await server.start()
        await asyncio.Event().wait()

    asyncio.run(main())


class RtspQuirks(StartStop):
    """The quirks front as a process; ``url(quirks, upstream_url)`` makes a session's URL."""

    def __init__(self, workdir: Path, *, user: str = "", password: str = "") -> None:
        self.workdir = workdir
        self.port = free_port(HOST)
        self.user = user or "admin"
        self.password = password or secrets.token_urlsafe(12)
        self._proc: ManagedProcess | None = None

    def url(self, quirks: str, upstream: str, *, credentials: bool = False) -> str:
        m = re.match(r"rtsp://[^/:]+:(\d+)(/.*)$", upstream)
        if m is None:
            raise ValueError(f"not a local rtsp URL with a port: {upstream}")
        auth = f"{self.user}:{self.password}@" if credentials else ""
        return f"rtsp://{auth}{HOST}:{self.port}/{quirks}/{m[1]}{m[2]}"

    def set_clock(self, offset_s: int, *, rtp: bool = True) -> None:
        """Set the ``clockjump`` cameras' clock ``offset_s`` from true time (0: right again);
        with ``rtp`` their RTP timestamps jump by as much, too. Returns once the front took it."""
        body = f"offset: {offset_s}\r\nrtp: {int(rtp)}\r\n".encode()
        head = (
            f"SET_PARAMETER rtsp://{HOST}:{self.port}/clock RTSP/1.0\r\nCSeq: 1\r\n"
            f"Content-Type: text/parameters\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        with socket.create_connection((HOST, self.port), timeout=5.0) as s:
            s.sendall(head.encode() + body)
            answer = s.recv(4096)
        if not answer.startswith(b"RTSP/1.0 200"):
            raise RuntimeError(f"the quirks front refused the clock: {answer!r}")

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "TNCAM_QUIRKS_USER": self.user, "TNCAM_QUIRKS_PASSWORD": self.password}
        self._proc = ManagedProcess(
            "rtsp-quirks",
            [sys.executable, "-m", "tncam_testkit.rtsp_quirks", "--port", str(self.port)],
            log_path=self.workdir / "rtsp-quirks.log",
            ready=lambda: port_open(self.port, HOST),
            ready_timeout=20.0,
            stop_timeout=3.0,
            env=env,
        )
        self._proc.start()

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.stop()

    def log_tail(self, lines: int = 30) -> str:
        return self._proc.log_tail(lines) if self._proc is not None else "(not running)"


class AioRtspServer(StartStop):
    """aio-rtsp-toolkit's file server on a folder of clips: ``url(name)`` loops ``name``."""

    def __init__(self, workdir: Path, media: Path) -> None:
        self.workdir = workdir
        self.media = media
        self.port = free_port(HOST)
        self._proc: ManagedProcess | None = None

    def url(self, name: str) -> str:
        return f"rtsp://{HOST}:{self.port}/{name}?play_count=0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "tncam_testkit.rtsp_quirks", "--aio", str(self.media)]
        self._proc = ManagedProcess(
            "aio-rtsp-toolkit",
            [*argv, "--port", str(self.port)],
            log_path=self.workdir / "aio-rtsp-toolkit.log",
            ready=lambda: port_open(self.port, HOST),
            ready_timeout=20.0,
            stop_timeout=3.0,
        )
        self._proc.start()

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--aio", metavar="DIR", help="run aio-rtsp-toolkit's server on DIR instead")
    args = p.parse_args()
    if args.aio:
        _serve_aio(args.aio, args.port)
        return
    user = os.environ.get("TNCAM_QUIRKS_USER", "admin")
    password = os.environ.get("TNCAM_QUIRKS_PASSWORD", "")
    asyncio.run(_serve(args.port, user, password))


if __name__ == "__main__":
    main()
