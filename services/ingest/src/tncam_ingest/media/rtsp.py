"""A small RTSP client for the hot path: TCP-interleaved H.264/H.265, batched reads.

FFmpeg's RTSP demuxer reads each interleaved RTP packet with a poll and two ``recv`` calls
(header, then payload): about 1,500 system calls per second for one 4 Mbit/s camera. This
client sleeps a few milliseconds between reads and takes everything the kernel buffered in
one ``recv_into`` (tens of calls per second), then hands the buffer to the RTP depacketizer
(``media.rtp``), which splits it into RTP packets and reassembles access units in a few
bytes operations per packet. It never decodes. Blocking: run it in the session's thread.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from tncam_ingest.media.rtp import AccessUnit, RtspProtocolError, _Depacketizer

USER_AGENT = "tncam-ingest"
_RECV = 128 * 1024
_HEADER_END = b"\r\n\r\n"


class _RedirectError(Exception):
    """The camera answered with a redirect to ``location``."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class RtspError(Exception):
    """The camera answered an RTSP request with an error status."""

    def __init__(self, status: int, reason: str, url: str) -> None:
        super().__init__(f"Server returned {status} {reason}: '{url}'")
        self.status = status


@dataclass(frozen=True, slots=True)
class StreamDescription:
    """The video stream a camera offers (from its SDP)."""

    codec: str  # "hevc" | "h264" | other encoding name, lower case
    payload_type: int
    clock_rate: int
    parameter_sets: tuple[bytes, ...]  # VPS/SPS/PPS (H.265) or SPS/PPS (H.264), no start codes
    control: str
    #: The session's aggregate control URL (PLAY, keep-alives, TEARDOWN).
    aggregate: str = ""


_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))')
#: Redirect statuses a camera (or its load balancer) may answer with: follow ``Location``.
_REDIRECTS = (301, 302, 303, 305, 307, 308)
_MAX_REDIRECTS = 3


def challenge_fields(params: str) -> dict[str, str]:
    """The parameters of a ``WWW-Authenticate`` challenge (quoted or not, lower-case keys)."""
    return {m[1].lower(): m[2] if m[2] is not None else m[3] for m in _PARAM.finditer(params)}


def pick_challenge(values: list[str]) -> str:
    """The challenge to answer among a response's ``WWW-Authenticate`` headers: Digest
    before Basic (a camera often offers both; Basic would send the password in clear)."""
    for v in values:
        if v.lower().startswith("digest"):
            return v
    return values[0] if values else ""


def auth_header(
    www: str, method: str, uri: str, user: str, password: str, *, nc: int = 1, cnonce: str = ""
) -> str | None:
    """The ``Authorization`` value answering challenge ``www`` (Basic; Digest MD5, with
    ``qop=auth`` when offered: ``nc`` counts the requests made with the same nonce)."""
    scheme, _, params = www.strip().partition(" ")
    if scheme.lower() == "basic":
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return f"Basic {token}"
    if scheme.lower() != "digest":
        return None
    fields = challenge_fields(params)
    realm, nonce = fields.get("realm", ""), fields.get("nonce", "")
    algorithm = fields.get("algorithm", "")
    if algorithm and algorithm.upper() not in ("MD5", "MD5-SESS"):
        return None  # SHA-256 digests: not offered by the cameras seen so far
    ha1 = _md5(f"{user}:{realm}:{password}")
    qops = [q.strip().lower() for q in fields.get("qop", "").split(",")]
    cnonce = cnonce or secrets.token_hex(8)
    if algorithm.upper() == "MD5-SESS":
        ha1 = _md5(f"{ha1}:{nonce}:{cnonce}")
    ha2 = _md5(f"{method}:{uri}")
    value = f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}"'
    if "auth" in qops:
        count = f"{nc:08x}"
        response = _md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
        value += f', qop=auth, nc={count}, cnonce="{cnonce}"'
    else:
        response = _md5(f"{ha1}:{nonce}:{ha2}")
    value += f', response="{response}"'
    if algorithm:
        value += f", algorithm={algorithm}"
    if "opaque" in fields:
        value += f', opaque="{fields["opaque"]}"'
    return value


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (RTSP Digest is MD5)


def resolve_control(base: str, control: str) -> str:
    """A media or session ``a=control`` against the base URL (``Content-Base``): absolute
    as is, ``*`` or empty = the base, a path from the server's root, else relative to the
    base as a directory (what cameras mean, even when the base lacks its final slash)."""
    if not control or control == "*":
        return base
    if "://" in control:
        return control
    if control.startswith("/"):
        parts = urlsplit(base)
        return urlunsplit((parts.scheme, parts.netloc, control, "", ""))
    return base.rstrip("/") + "/" + control


def interleaved_channel(transport: str, asked: int) -> int:
    """The RTP channel a SETUP answer's ``Transport`` gives (``interleaved=6-7``); the one
    asked for when the answer leaves it out. An answer that is not TCP cannot be read."""
    m = re.search(r"interleaved=(\d+)", transport)
    if m is not None:
        return int(m[1])
    if transport and "/tcp" not in transport.lower():
        raise RtspProtocolError(f"the camera answered SETUP without TCP: {transport[:80]}")
    return asked


def parse_sdp(sdp: str, base: str) -> StreamDescription:
    """The first video media of an SDP document."""
    media: list[list[str]] = []
    session_control = ""
    for line in sdp.splitlines():
        line = line.strip()
        if line.startswith("m="):
            media.append([line])
        elif media:
            media[-1].append(line)
        elif line.startswith("a=control:"):
            session_control = line[len("a=control:") :]
    for lines in media:
        if not lines[0].startswith("m=video"):
            continue
        parts = lines[0].split()
        pt = int(parts[3]) if len(parts) > 3 else 96
        codec, rate, control, fmtp = "", 90000, "", ""
        for line in lines[1:]:
            if line.startswith(f"a=rtpmap:{pt} "):
                enc = line.split(" ", 1)[1]
                codec, _, rest = enc.partition("/")
                rate = int(rest.split("/")[0] or 90000)
            elif line.startswith(f"a=fmtp:{pt} "):
                fmtp = line.split(" ", 1)[1]
            elif line.startswith("a=control:"):
                control = line[len("a=control:") :]
        params = dict(
            (k.strip().lower(), v.strip())
            for k, _, v in (p.partition("=") for p in fmtp.split(";"))
            if k.strip()
        )
        name = {"h265": "hevc", "h264": "h264"}.get(codec.lower(), codec.lower())
        sets: list[bytes] = []
        keys = ("sprop-vps", "sprop-sps", "sprop-pps") if name == "hevc" else ()
        for key in keys:
            sets += [_b64(v) for v in params.get(key, "").split(",") if v]
        if name == "h264":
            sets += [_b64(v) for v in params.get("sprop-parameter-sets", "").split(",") if v]
        url = resolve_control(base, control)
        aggregate = resolve_control(base, session_control)
        return StreamDescription(name, pt, rate, tuple(s for s in sets if s), url, aggregate)
    raise RtspProtocolError("the stream has no video")


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        return b""


class RtspClient:
    """One RTSP session over TCP with interleaved RTP (blocking; one thread)."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 5.0,
        batch_s: float = 0.02,
        keepalive_s: float = 25.0,
    ) -> None:
        self._user = self._password = ""
        self.url = ""
        self._addr: tuple[str, int] = ("", 554)
        self._set_url(url)
        self.timeout_s = timeout_s
        self.batch_s = batch_s
        self.keepalive_s = keepalive_s
        self._sock: socket.socket | None = None
        self._cseq = 0
        self._session = ""
        self._auth: str | None = None  # the WWW-Authenticate challenge answered
        self._nc = 0  # requests answered with the challenge's nonce (Digest ``qop``)
        self._channel = 0  # the RTP channel the SETUP answer gave (RTCP on the next one)
        self._keepalive = "GET_PARAMETER"  # OPTIONS when the camera does not list it
        self._control = ""  # the session's aggregate URL
        self._buf = bytearray(_RECV)
        self._view = memoryview(self._buf)
        self._fill = 0
        self._pos = 0
        self.description: StreamDescription | None = None
        self._more = False

    def _set_url(self, url: str) -> None:
        """Take ``url`` (its credentials kept aside, never in ``self.url``); a redirect's
        URL without credentials keeps the ones already given."""
        parts = urlsplit(url)
        if parts.scheme != "rtsp" or not parts.hostname:
            raise RtspProtocolError(f"not an rtsp:// URL: {parts.scheme}://{parts.hostname}")
        if parts.username is not None:
            self._user = unquote(parts.username or "")
            self._password = unquote(parts.password or "")
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        self.url = urlunsplit(parts._replace(netloc=netloc))  # without credentials
        self._addr = (parts.hostname, parts.port or 554)

    # ----------------------------------------------------------------------- requests

    def _send(self, method: str, uri: str, headers: dict[str, str] | None = None) -> None:
        assert self._sock is not None
        self._cseq += 1
        lines = [f"{method} {uri} RTSP/1.0", f"CSeq: {self._cseq}", f"User-Agent: {USER_AGENT}"]
        if self._session:
            lines.append(f"Session: {self._session}")
        if self._auth is not None and self._user:
            self._nc += 1
            value = auth_header(self._auth, method, uri, self._user, self._password, nc=self._nc)
            if value:
                lines.append(f"Authorization: {value}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def _response(self) -> tuple[int, str, dict[str, str], bytes]:
        """Read one RTSP response (skipping interleaved data before it)."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            self._skip_interleaved()
            head_end = self._buf.find(_HEADER_END, self._pos, self._fill)
            if head_end >= 0:
                head = bytes(self._buf[self._pos : head_end]).decode("latin-1")
                lines = head.split("\r\n")
                m = re.match(r"RTSP/1\.\d (\d{3}) ?(.*)", lines[0])
                if m is None:
                    raise RtspProtocolError("not an RTSP response")
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    k = k.strip().lower()
                    # A repeated header (several WWW-Authenticate challenges): one per line.
                    headers[k] = f"{headers[k]}\n{v.strip()}" if k in headers else v.strip()
                length = int(headers.get("content-length", "0") or 0)
                body_end = head_end + 4 + length
                if body_end <= self._fill:
                    body = bytes(self._buf[head_end + 4 : body_end])
                    self._pos = body_end
                    return int(m[1]), m[2], headers, body
            elif self._fill - self._pos > 64 * 1024:
                raise RtspProtocolError("RTSP response too long or not RTSP")
            elif (
                self._fill - self._pos >= 5
                and self._buf[self._pos : self._pos + 5] != b"RTSP/"
                and self._buf[self._pos] != 0x24
            ):
                raise RtspProtocolError("not an RTSP response")
            if time.monotonic() > deadline:
                raise TimeoutError("no RTSP response in time")
            self._recv_some()

    def _skip_interleaved(self) -> None:
        while self._fill - self._pos >= 4 and self._buf[self._pos] == 0x24:
            n = (self._buf[self._pos + 2] << 8) | self._buf[self._pos + 3]
            if self._fill - self._pos < 4 + n:
                return
            self._pos += 4 + n

    def _request(
        self, method: str, uri: str, headers: dict[str, str] | None = None
    ) -> tuple[dict[str, str], bytes]:
        self._send(method, uri, headers)
        status, reason, hdrs, body = self._response()
        if status == 401 and self._user and "www-authenticate" in hdrs:
            www = pick_challenge(hdrs["www-authenticate"].split("\n"))
            # Answer a first challenge, or a new nonce the camera marks ``stale``.
            if self._auth is None or "stale=true" in www.lower().replace('"', ""):
                self._auth, self._nc = www, 0
                self._send(method, uri, headers)
                status, reason, hdrs, body = self._response()
        if status in _REDIRECTS and hdrs.get("location"):
            raise _RedirectError(hdrs["location"])
        if status != 200:
            raise RtspError(status, reason, self.url)
        return hdrs, body

    def open(self) -> StreamDescription:
        """Connect, DESCRIBE, SETUP (TCP interleaved) and PLAY the first video stream,
        following up to three redirects (301/302/...: a new connection to ``Location``)."""
        for _ in range(_MAX_REDIRECTS):
            try:
                return self._open_once()
            except _RedirectError as r:
                self._drop_socket()
                self._auth, self._session = None, ""
                self._set_url(urljoin(self.url, r.location))
        return self._open_once()

    def _drop_socket(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
        self._fill = self._pos = 0

    def _open_once(self) -> StreamDescription:
        sock = socket.create_connection(self._addr, timeout=self.timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024 * 1024)
        self._sock = sock
        self._options()
        hdrs, body = self._request("DESCRIBE", self.url, {"Accept": "application/sdp"})
        base = hdrs.get("content-base") or hdrs.get("content-location") or self.url
        desc = parse_sdp(body.decode("utf-8", "replace"), base)
        hdrs, _ = self._request(
            "SETUP", desc.control, {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
        )
        self._channel = interleaved_channel(hdrs.get("transport", ""), 0)
        session = hdrs.get("session", "")
        self._session = session.split(";")[0].strip()
        m = re.search(r"timeout\s*=\s*(\d+)", session)
        if m is not None:  # keep the session alive at half its timeout (a second at least)
            self.keepalive_s = min(self.keepalive_s, max(1.0, int(m[1]) / 2))
        self._control = desc.aggregate or base
        self._request("PLAY", self._control, {"Range": "npt=0.000-"})
        self.description = desc
        return desc

    def _options(self) -> None:
        """OPTIONS: which keep-alive the camera takes (GET_PARAMETER if it lists it, else
        OPTIONS). A camera that refuses OPTIONS itself is read anyway; a redirect or a
        refused login is not."""
        try:
            hdrs, _ = self._request("OPTIONS", self.url)
        except RtspError as e:
            if e.status in (401, 403):
                raise
            return
        public = hdrs.get("public", "").upper()
        if public and "GET_PARAMETER" not in public:
            self._keepalive = "OPTIONS"

    def close(self) -> None:
        """TEARDOWN (best effort) and close the socket."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        try:
            if self._session:
                sock.settimeout(0.5)
                self._sock = sock
                self._send("TEARDOWN", self._control or self.url)
                self._sock = None
        except OSError:
            pass
        finally:
            sock.close()

    # -------------------------------------------------------------------------- media

    def _make_room(self) -> int:
        """Free space at the end of the read buffer (compacted, grown when full): its size."""
        if self._pos:
            # Compact: move the unparsed tail to the front (rare: usually empty or small).
            rest = self._fill - self._pos
            self._buf[:rest] = self._buf[self._pos : self._fill]
            self._fill, self._pos = rest, 0
        if self._fill == len(self._buf):
            self._view.release()  # a bytearray with an exported view cannot grow
            self._buf.extend(bytes(len(self._buf)))
            self._view = memoryview(self._buf)
        return len(self._buf) - self._fill

    def _recv_some(self) -> int:
        assert self._sock is not None
        space = self._make_room()
        n = self._sock.recv_into(self._view[self._fill :])
        if n == 0:
            raise EOFError("the camera closed the connection")
        self._fill += n
        self._more = n == space  # the buffer was full: more is waiting, read again at once
        return n

    def access_units(self) -> Iterator[AccessUnit | None]:
        """Yield access units as they complete; ``None`` after each read batch (a chance to
        check a stop flag). Raises TimeoutError when nothing arrives for ``timeout_s``."""
        desc = self.description
        assert desc is not None
        assert self._sock is not None
        dep = _Depacketizer(desc.codec == "hevc", desc.parameter_sets, self._channel)
        dep.clock_rate = desc.clock_rate
        self.depacketizer = dep
        self._sock.settimeout(self.timeout_s)
        last_keepalive = time.monotonic()
        done: list[AccessUnit] = []
        while True:
            self._recv_some()
            buf, fill = self._buf, self._fill
            pos = self._pos
            while True:
                pos = dep.feed(buf, pos, fill, done)
                if fill - pos < 5 or buf[pos] == 0x24:
                    break
                # Not RTP: the answer to a keep-alive, or the framing is lost.
                if buf[pos : pos + 5] != b"RTSP/":
                    raise RtspProtocolError("lost RTP framing")
                end = buf.find(_HEADER_END, pos, fill)
                if end < 0:
                    break
                m = re.search(rb"content-length:\s*(\d+)", bytes(buf[pos:end]).lower())
                body_end = end + 4 + (int(m[1]) if m else 0)
                if body_end > fill:
                    break
                pos = body_end
            self._pos = pos
            yield from done
            done.clear()
            yield None
            now = time.monotonic()
            if now - last_keepalive > self.keepalive_s:
                last_keepalive = now
                self._send(self._keepalive, self._control or self.url)
            # Batch: let the kernel collect the next few packets, then take them in one call
            # (unless the last read filled the buffer: a camera faster than a batch allows).
            if not self._more:
                time.sleep(self.batch_s)
