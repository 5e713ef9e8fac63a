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
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

from tncam_ingest.media.rtp import AccessUnit, RtspProtocolError, _Depacketizer

USER_AGENT = "tncam-ingest"
_RECV = 128 * 1024
_HEADER_END = b"\r\n\r\n"


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


def _auth_header(www: str, method: str, uri: str, user: str, password: str) -> str | None:
    scheme, _, params = www.partition(" ")
    if scheme.lower() == "basic":
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return f"Basic {token}"
    if scheme.lower() == "digest":
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', params))
        realm, nonce = fields.get("realm", ""), fields.get("nonce", "")
        ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()  # noqa: S324
        ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()  # noqa: S324
        response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()  # noqa: S324
        return (
            f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{response}"'
        )
    return None


def parse_sdp(sdp: str, base: str) -> StreamDescription:
    """The first video media of an SDP document."""
    media: list[list[str]] = []
    for line in sdp.splitlines():
        line = line.strip()
        if line.startswith("m="):
            media.append([line])
        elif media:
            media[-1].append(line)
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
        if not control or control == "*":
            url = base
        elif "://" in control:
            url = control
        else:
            url = base.rstrip("/") + "/" + control
        return StreamDescription(name, pt, rate, tuple(s for s in sets if s), url)
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
        parts = urlsplit(url)
        if parts.scheme != "rtsp" or not parts.hostname:
            raise RtspProtocolError(f"not an rtsp:// URL: {parts.scheme}://{parts.hostname}")
        self._user = unquote(parts.username or "")
        self._password = unquote(parts.password or "")
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        self.url = urlunsplit(parts._replace(netloc=netloc))  # without credentials
        self._addr = (parts.hostname, parts.port or 554)
        self.timeout_s = timeout_s
        self.batch_s = batch_s
        self.keepalive_s = keepalive_s
        self._sock: socket.socket | None = None
        self._cseq = 0
        self._session = ""
        self._auth: tuple[str, str] | None = None  # (WWW-Authenticate, scheme)
        self._buf = bytearray(_RECV)
        self._view = memoryview(self._buf)
        self._fill = 0
        self._pos = 0
        self.description: StreamDescription | None = None
        self._more = False

    # ----------------------------------------------------------------------- requests

    def _send(self, method: str, uri: str, headers: dict[str, str] | None = None) -> None:
        assert self._sock is not None
        self._cseq += 1
        lines = [f"{method} {uri} RTSP/1.0", f"CSeq: {self._cseq}", f"User-Agent: {USER_AGENT}"]
        if self._session:
            lines.append(f"Session: {self._session}")
        if self._auth is not None and self._user:
            value = _auth_header(self._auth[0], method, uri, self._user, self._password)
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
                    headers[k.strip().lower()] = v.strip()
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
        if status == 401 and self._user and self._auth is None and "www-authenticate" in hdrs:
            self._auth = (hdrs["www-authenticate"], "")
            self._send(method, uri, headers)
            status, reason, hdrs, body = self._response()
        if status != 200:
            raise RtspError(status, reason, self.url)
        return hdrs, body

    def open(self) -> StreamDescription:
        """Connect, DESCRIBE, SETUP (TCP interleaved) and PLAY the first video stream."""
        sock = socket.create_connection(self._addr, timeout=self.timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024 * 1024)
        self._sock = sock
        hdrs, body = self._request("DESCRIBE", self.url, {"Accept": "application/sdp"})
        base = hdrs.get("content-base") or hdrs.get("content-location") or self.url
        desc = parse_sdp(body.decode("utf-8", "replace"), base)
        hdrs, _ = self._request(
            "SETUP", desc.control, {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
        )
        session = hdrs.get("session", "")
        self._session = session.split(";")[0].strip()
        m = re.search(r"timeout=(\d+)", session)
        if m is not None:
            self.keepalive_s = min(self.keepalive_s, max(5.0, int(m[1]) / 2))
        self._request("PLAY", base, {"Range": "npt=0.000-"})
        self.description = desc
        return desc

    def close(self) -> None:
        """TEARDOWN (best effort) and close the socket."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        try:
            if self._session:
                sock.settimeout(0.5)
                self._sock = sock
                self._send("TEARDOWN", self.url)
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
        dep = _Depacketizer(desc.codec == "hevc", desc.parameter_sets)
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
                self._send("GET_PARAMETER", self.url)
            # Batch: let the kernel collect the next few packets, then take them in one call
            # (unless the last read filled the buffer: a camera faster than a batch allows).
            if not self._more:
                time.sleep(self.batch_s)
