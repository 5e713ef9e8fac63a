"""A small RTSP/RTP client for the hot path: TCP-interleaved H.264/H.265, batched reads.

FFmpeg's RTSP demuxer reads each interleaved RTP packet with a poll and two ``recv`` calls
(header, then payload): about 1,500 system calls per second for one 4 Mbit/s camera. This
client sleeps a few milliseconds between reads and takes everything the kernel buffered in
one ``recv_into`` (tens of calls per second), then splits the buffer into RTP packets and
reassembles access units (RFC 6184 for H.264, RFC 7798 for H.265) in a few bytes operations
per packet. It never decodes. Blocking: run it in the session's thread.
"""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

START = b"\x00\x00\x00\x01"
USER_AGENT = "tncam-ingest"
_RECV = 128 * 1024
_HEADER_END = b"\r\n\r\n"
_HDR = struct.Struct(">HI")


class RtspError(Exception):
    """The camera answered an RTSP request with an error status."""

    def __init__(self, status: int, reason: str, url: str) -> None:
        super().__init__(f"Server returned {status} {reason}: '{url}'")
        self.status = status


class RtspProtocolError(ValueError):
    """The peer does not speak RTSP/RTP as expected (garbage, unsupported stream)."""


@dataclass(frozen=True, slots=True)
class StreamDescription:
    """The video stream a camera offers (from its SDP)."""

    codec: str  # "hevc" | "h264" | other encoding name, lower case
    payload_type: int
    clock_rate: int
    parameter_sets: tuple[bytes, ...]  # VPS/SPS/PPS (H.265) or SPS/PPS (H.264), no start codes
    control: str


@dataclass(slots=True)
class AccessUnit:
    """One coded picture, Annex-B, with its RTP timestamp (extended to 64 bits)."""

    timestamp: int
    data: bytes
    keyframe: bool


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


class _Depacketizer:
    """RTP payloads of one stream -> access units (Annex-B), assembled in one reused buffer.

    Each NAL unit (or fragment) is copied once, straight into its place in the access unit:
    no growing byte strings (each growth is a realloc and a copy) and no list of parts.
    """

    def __init__(self, hevc: bool, parameter_sets: tuple[bytes, ...]) -> None:
        self.hevc = hevc
        self.parameter_sets = parameter_sets
        self._ps_prefix = b"".join(START + ps for ps in parameter_sets)
        self._buf = bytearray(128 * 1024)
        self._view = memoryview(self._buf)
        self._n = 0
        self._in_fu = False
        self.ts: int | None = None
        self.ext_ts = 0
        self.last_raw_ts: int | None = None
        self.keyframe = False
        self.damaged = False
        self.has_ps = False
        self.next_seq: int | None = None
        self.gaps = 0
        self.dropped = 0

    def _append(self, chunk: bytes | memoryview) -> None:
        n, k = self._n, len(chunk)
        if n + k > len(self._buf):
            self._view.release()  # a bytearray with an exported view cannot grow
            self._buf.extend(bytes(max(len(self._buf), k)))
            self._view = memoryview(self._buf)
        self._view[n : n + k] = chunk
        self._n = n + k

    def _nal_type(self, t: int) -> None:
        if (16 <= t <= 21) if self.hevc else t == 5:
            self.keyframe = True
        elif (32 <= t <= 34) if self.hevc else t in (7, 8):
            self.has_ps = True

    def _flush(self) -> AccessUnit | None:
        n, key, ts = self._n, self.keyframe, self.ts
        self._n, self.keyframe, self._in_fu = 0, False, False
        damaged, self.damaged = self.damaged, False
        has_ps, self.has_ps = self.has_ps, False
        if not n or ts is None:
            return None
        if damaged:
            self.dropped += 1
            return None
        data = bytes(self._view[:n])
        if key and not has_ps and self._ps_prefix:
            # Parameter sets out of band only (SDP): put them in front of each keyframe so
            # every segment (and a snapshot decoder) can start there.
            data = self._ps_prefix + data
        return AccessUnit(ts, data, key)

    def push(self, pkt: memoryview) -> AccessUnit | None:
        """One RTP packet; an access unit when one completed."""
        if len(pkt) < 12 or pkt[0] >> 6 != 2:
            raise RtspProtocolError("not an RTP packet")
        b0 = pkt[0]
        seq, raw_ts = _HDR.unpack_from(pkt, 2)
        start = 12 + 4 * (b0 & 0x0F)
        if b0 & 0x10:  # header extension
            if len(pkt) < start + 4:
                raise RtspProtocolError("truncated RTP extension")
            start += 4 + 4 * ((pkt[start + 2] << 8) | pkt[start + 3])
        end = len(pkt) - (pkt[-1] if b0 & 0x20 else 0)
        out: AccessUnit | None = None
        if seq != self.next_seq and self.next_seq is not None:
            self.gaps += 1
            self.damaged = True  # a lost packet breaks the picture being assembled
        self.next_seq = (seq + 1) & 0xFFFF
        if raw_ts != self.last_raw_ts:
            if self.last_raw_ts is None:
                self.ext_ts = raw_ts
            else:
                delta = (raw_ts - self.last_raw_ts) & 0xFFFFFFFF
                if delta >= 0x80000000:
                    delta -= 0x100000000
                if self._n:
                    out = self._flush()  # a new timestamp without a marker: the AU ended
                self.ext_ts += delta
            self.last_raw_ts = raw_ts
            self.ts = self.ext_ts
        if end - start >= 3:
            if self.hevc:
                self._hevc(pkt, start, end)
            else:
                self._h264(pkt, start, end)
        if pkt[1] & 0x80:  # marker: last packet of the access unit
            au = self._flush()
            return au if au is not None else out
        return out

    def _h264(self, p: memoryview, i: int, end: int) -> None:
        t = p[i] & 0x1F
        if t == 28:  # FU-A
            fu = p[i + 1]
            if fu & 0x80:
                self._append(START)
                self._append(bytes(((p[i] & 0xE0) | (fu & 0x1F),)))
                self._nal_type(fu & 0x1F)
                self._in_fu = True
            elif not self._in_fu:
                self.damaged = True
                return
            self._append(p[i + 2 : end])
            if fu & 0x40:
                self._in_fu = False
        elif 1 <= t <= 23:
            self._append(START)
            self._append(p[i:end])
            self._nal_type(t)
        elif t == 24:  # STAP-A
            i += 1
            while i + 2 <= end:
                n = (p[i] << 8) | p[i + 1]
                if n:
                    self._append(START)
                    self._append(p[i + 2 : i + 2 + n])
                    self._nal_type(p[i + 2] & 0x1F)
                i += 2 + n

    def _hevc(self, p: memoryview, i: int, end: int) -> None:
        t = (p[i] >> 1) & 0x3F
        if t == 49:  # fragmentation unit
            fu = p[i + 2]
            if fu & 0x80:
                ftype = fu & 0x3F
                self._append(START)
                self._append(bytes(((p[i] & 0x81) | (ftype << 1), p[i + 1])))
                self._nal_type(ftype)
                self._in_fu = True
            elif not self._in_fu:
                self.damaged = True
                return
            self._append(p[i + 3 : end])
            if fu & 0x40:
                self._in_fu = False
        elif t < 48:
            self._append(START)
            self._append(p[i:end])
            self._nal_type(t)
        elif t == 48:  # aggregation packet
            i += 2
            while i + 2 <= end:
                n = (p[i] << 8) | p[i + 1]
                if n:
                    self._append(START)
                    self._append(p[i + 2 : i + 2 + n])
                    self._nal_type((p[i + 2] >> 1) & 0x3F)
                i += 2 + n


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
        self.bytes_read = 0
        self.reads = 0
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
            self._recv_some(block=True)

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

    def _recv_some(self, *, block: bool) -> int:
        assert self._sock is not None
        if self._pos:
            # Compact: move the unparsed tail to the front (rare: usually empty or small).
            rest = self._fill - self._pos
            self._buf[:rest] = self._buf[self._pos : self._fill]
            self._fill, self._pos = rest, 0
        if self._fill == len(self._buf):
            self._view.release()  # a bytearray with an exported view cannot grow
            self._buf.extend(bytes(len(self._buf)))
            self._view = memoryview(self._buf)
        space = len(self._buf) - self._fill
        n = self._sock.recv_into(self._view[self._fill :])
        if n == 0:
            raise EOFError("the camera closed the connection")
        self._fill += n
        self.bytes_read += n
        self.reads += 1
        self._more = n == space  # the buffer was full: more is waiting, read again at once
        return n

    def access_units(self, stop: object | None = None) -> Iterator[AccessUnit | None]:
        """Yield access units as they complete; ``None`` after each read batch (a chance to
        check a stop flag). Raises TimeoutError when nothing arrives for ``timeout_s``."""
        desc = self.description
        assert desc is not None
        assert self._sock is not None
        dep = _Depacketizer(desc.codec == "hevc", desc.parameter_sets)
        self.depacketizer = dep
        sock = self._sock
        sock.settimeout(self.timeout_s)
        last_keepalive = time.monotonic()
        while True:
            self._recv_some(block=True)
            # Parse everything complete in the buffer.
            buf, view = self._buf, self._view
            pos, fill = self._pos, self._fill
            while fill - pos >= 4:
                if buf[pos] != 0x24:
                    self._pos = pos
                    if buf[pos : pos + 5] == b"RTSP/":  # a keep-alive answer
                        end = buf.find(_HEADER_END, pos, fill)
                        if end < 0:
                            break
                        head = bytes(buf[pos:end]).lower()
                        m = re.search(rb"content-length:\s*(\d+)", head)
                        body_end = end + 4 + (int(m[1]) if m else 0)
                        if body_end > fill:
                            break
                        pos = body_end
                        continue
                    raise RtspProtocolError("lost RTP framing")
                n = (buf[pos + 2] << 8) | buf[pos + 3]
                if fill - pos < 4 + n:
                    break
                if buf[pos + 1] == 0:
                    au = dep.push(view[pos + 4 : pos + 4 + n])
                    if au is not None:
                        yield au
                pos += 4 + n
            self._pos = pos
            yield None
            now = time.monotonic()
            if now - last_keepalive > self.keepalive_s:
                last_keepalive = now
                self._send("GET_PARAMETER", self.url)
            # Batch: let the kernel collect the next few packets, then take them in one call
            # (unless the last read filled the buffer: a camera faster than a batch allows).
            if not self._more:
                time.sleep(self.batch_s)
