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
_LEN = struct.Struct(">I")
#: Free bytes kept in front of each segment's samples for the message's header (metadata,
#: init segment, moof): the samples then become the message in place, without a copy.
HEADROOM = 16 * 1024
_FU_HEAD = struct.Struct(">IBB")  # length (patched later) and the 2-byte H.265 NAL header


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


class AccessUnit:
    """One coded picture: its bytes ``[start, end)`` in the depacketizer's sample buffer (MP4
    sample form: each NAL unit behind its 4-byte length), its RTP timestamp extended to 64
    bits as decode time (``pts`` = ``dts``: no B-frames)."""

    __slots__ = ("dts", "end", "is_keyframe", "start", "store")

    def __init__(
        self, dts: int, is_keyframe: bool, store: _Depacketizer, start: int, end: int
    ) -> None:
        self.dts = dts
        self.is_keyframe = is_keyframe
        self.store = store
        self.start = start
        self.end = end

    @property
    def pts(self) -> int:
        return self.dts

    @pts.setter
    def pts(self, value: int) -> None:
        self.dts = value

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def data(self) -> bytes:
        """A copy of the sample (valid until the writer releases it)."""
        with self.store.view(self.start, self.end) as view:
            return view.tobytes()

    def __bytes__(self) -> bytes:
        """Annex-B (start codes), as decoders and FFmpeg's raw demuxers read it."""
        return annexb(self.data)


def annexb(sample: bytes) -> bytes:
    """MP4 sample form (4-byte NAL lengths) -> Annex-B (4-byte start codes)."""
    parts: list[bytes] = []
    pos, end = 0, len(sample)
    while pos + 4 <= end:
        n = _LEN.unpack_from(sample, pos)[0]
        parts += (START, sample[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return b"".join(parts)


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
    """Interleaved RTP of one stream -> access units in MP4 sample form, in one buffer.

    ``feed`` takes every complete interleaved frame of a read batch in one loop (no call per
    packet). Each NAL unit or fragment is appended once to one growing buffer, behind a
    4-byte length (patched when a fragmented unit ends), so the buffer holds the samples
    exactly as an fMP4 ``mdat`` does: the segment writer frames them with a ``moof`` and joins
    them once, into the hand-off message, then ``release``s them. The buffer is then replaced
    by a copy of what follows (the next segment's first keyframe): it is one large allocation
    per segment, given back whole to the kernel, so the heap does not fragment.

    Positions (``AccessUnit.start``/``end``, ``view``, ``release``) count bytes since the
    session started; ``base`` is the position of ``buf[0]``.
    """

    def __init__(self, hevc: bool, parameter_sets: tuple[bytes, ...], channel: int = 0) -> None:
        self.hevc = hevc
        self.channel = channel
        self._ps_prefix = b"".join(_LEN.pack(len(ps)) + ps for ps in parameter_sets)
        self.buf = bytearray(HEADROOM)
        self.base = -HEADROOM
        self._released = 0
        self._sealed = 0  # index in ``buf`` up to which bytes are handed out as a message
        self._au = HEADROOM  # where the access unit being assembled starts in ``buf``
        self._nal = -1  # where the length of the fragmented NAL unit being assembled goes
        self.ext_ts = 0
        self.last_raw_ts: int | None = None
        self.keyframe = False
        self.damaged = False
        self.has_ps = False
        self.next_seq: int | None = None
        self.gaps = 0
        self.dropped = 0

    def view(self, start: int, end: int) -> memoryview:
        """The bytes at positions ``[start, end)`` (release the view before the next feed)."""
        return memoryview(self.buf)[start - self.base : end - self.base]

    def release(self, upto: int) -> None:
        """Everything before position ``upto`` has been handed out: drop it at the next feed."""
        self._released = max(self._released, upto)

    def prepend(self, start: int, end: int, head: bytes) -> memoryview | None:
        """Write ``head`` into the free bytes just before position ``start`` and return one
        view of ``head`` + ``[start, end)``: a message without copying the samples. None when
        there is no room (the caller joins instead)."""
        i = start - self.base
        if i - len(head) < self._sealed or end - self.base > len(self.buf):
            return None
        self.buf[i - len(head) : i] = head
        self._sealed = end - self.base
        return memoryview(self.buf)[i - len(head) : end - self.base]

    def _compact(self) -> None:
        # The next segment's bytes go to a new buffer behind fresh headroom; the old buffer
        # lives on only as long as the message made of it.
        cut = self._released - self.base
        buf = bytearray(HEADROOM)
        with memoryview(self.buf) as old:
            buf += old[cut:]
        self.buf = buf
        self.base = self._released - HEADROOM
        self._sealed = 0
        self._au += HEADROOM - cut
        if self._nal >= 0:
            self._nal += HEADROOM - cut

    def _flush(self, out: list[AccessUnit]) -> None:
        ab, au = self.buf, self._au
        key = self.keyframe
        ts = self.ext_ts if self.last_raw_ts is not None else None
        damaged = self.damaged or self._nal >= 0  # lost packets, or a fragment never ended
        has_ps = self.has_ps
        self._nal, self.keyframe, self.damaged, self.has_ps = -1, False, False, False
        if len(ab) == au:
            return
        if damaged or ts is None:
            del ab[au:]
            self.dropped += 1
            return
        if key and not has_ps and self._ps_prefix:
            # Parameter sets out of band only (SDP): put them in front of each keyframe so
            # every segment (and a snapshot decoder) can start there.
            ab[au:au] = self._ps_prefix
        self._au = len(ab)
        out.append(AccessUnit(ts, key, self, self.base + au, self.base + self._au))

    def push(self, pkt: bytes | memoryview) -> AccessUnit | None:
        """One RTP packet; the access unit it completed, if any (for tests and tools)."""
        out: list[AccessUnit] = []
        frame = b"".join((bytes((0x24, self.channel)), _LEN.pack(len(pkt))[2:], pkt))
        self.feed(frame, 0, len(frame), out)
        return out[-1] if out else None

    def feed(self, buf: bytes | bytearray, pos: int, fill: int, out: list[AccessUnit]) -> int:
        """Depacketize the complete interleaved frames in ``buf[pos:fill]``, appending finished
        access units to ``out``; returns where it stopped (an RTSP message or a partial frame)."""
        if self._released - self.base > HEADROOM:
            self._compact()
        hevc, channel, unpack = self.hevc, self.channel, _HDR.unpack_from
        ab = self.buf
        with memoryview(buf) as view:
            while fill - pos >= 4:
                if buf[pos] != 0x24:
                    break
                end = pos + 4 + ((buf[pos + 2] << 8) | buf[pos + 3])
                if end > fill:
                    break
                if buf[pos + 1] != channel:  # RTCP
                    pos = end
                    continue
                p, pos = pos + 4, end
                b0 = buf[p]
                if end - p < 12 or b0 >> 6 != 2:
                    raise RtspProtocolError("not an RTP packet")
                i = p + 12
                if b0 != 0x80:  # CSRCs, header extension, padding
                    i += 4 * (b0 & 0x0F)
                    if b0 & 0x10:
                        if end < i + 4:
                            raise RtspProtocolError("truncated RTP extension")
                        i += 4 + 4 * ((buf[i + 2] << 8) | buf[i + 3])
                    if b0 & 0x20:
                        end -= buf[end - 1]
                seq, raw_ts = unpack(buf, p + 2)
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
                        if len(ab) != self._au:
                            self._flush(out)  # a new timestamp without a marker: the AU ended
                        self.ext_ts += delta
                    self.last_raw_ts = raw_ts
                if end - i >= 3:
                    if hevc:
                        t = (buf[i] >> 1) & 0x3F
                        if t == 49:  # fragmentation unit
                            fu = buf[i + 2]
                            if fu & 0x80:
                                if self._nal >= 0:
                                    self.damaged = True  # the previous unit never ended
                                ftype = fu & 0x3F
                                self._nal = len(ab)
                                ab += _FU_HEAD.pack(0, (buf[i] & 0x81) | (ftype << 1), buf[i + 1])
                                if 16 <= ftype <= 21:
                                    self.keyframe = True
                                elif 32 <= ftype <= 34:
                                    self.has_ps = True
                            if self._nal < 0:
                                self.damaged = True  # a fragment without its start
                            else:
                                ab += view[i + 3 : end]
                                if fu & 0x40:
                                    _LEN.pack_into(ab, self._nal, len(ab) - self._nal - 4)
                                    self._nal = -1
                        elif t < 48:
                            self._single(view, i, end, t)
                        elif t == 48:  # aggregation packet
                            self._aggregate(view, i + 2, end)
                    else:
                        t = buf[i] & 0x1F
                        if t == 28:  # FU-A
                            fu = buf[i + 1]
                            if fu & 0x80:
                                if self._nal >= 0:
                                    self.damaged = True
                                ftype = fu & 0x1F
                                self._nal = len(ab)
                                ab += _LEN.pack(0)
                                ab.append((buf[i] & 0xE0) | ftype)
                                if ftype == 5:
                                    self.keyframe = True
                                elif ftype in (7, 8):
                                    self.has_ps = True
                            if self._nal < 0:
                                self.damaged = True  # a fragment without its start
                            else:
                                ab += view[i + 2 : end]
                                if fu & 0x40:
                                    _LEN.pack_into(ab, self._nal, len(ab) - self._nal - 4)
                                    self._nal = -1
                        elif 1 <= t <= 23:
                            self._single(view, i, end, t)
                        elif t == 24:  # STAP-A
                            self._aggregate(view, i + 1, end)
                if buf[p + 1] & 0x80:  # marker: the last packet of the access unit
                    self._flush(out)
        return pos

    def _single(self, view: memoryview, i: int, end: int, t: int) -> None:
        """One whole NAL unit in the packet."""
        self.buf += _LEN.pack(end - i)
        self.buf += view[i:end]
        if (16 <= t <= 21) if self.hevc else t == 5:
            self.keyframe = True
        elif (32 <= t <= 34) if self.hevc else t in (7, 8):
            self.has_ps = True

    def _aggregate(self, view: memoryview, i: int, end: int) -> None:
        """Several NAL units in the packet, each behind a 16-bit size (AP / STAP-A)."""
        while i + 2 <= end:
            k = (view[i] << 8) | view[i + 1]
            if k and i + 2 + k <= end:
                first = view[i + 2]
                self._single(
                    view, i + 2, i + 2 + k, (first >> 1) & 0x3F if self.hevc else first & 0x1F
                )
            i += 2 + k


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

    def _recv_some(self) -> int:
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
        self._more = n == space  # the buffer was full: more is waiting, read again at once
        return n

    def access_units(self) -> Iterator[AccessUnit | None]:
        """Yield access units as they complete; ``None`` after each read batch (a chance to
        check a stop flag). Raises TimeoutError when nothing arrives for ``timeout_s``."""
        desc = self.description
        assert desc is not None
        assert self._sock is not None
        dep = _Depacketizer(desc.codec == "hevc", desc.parameter_sets)
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
