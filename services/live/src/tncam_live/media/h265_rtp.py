"""The RTP payload format for H.265 (RFC 7798): access units to payloads and back, no I/O.

Sender side, ``packetize``: a NAL unit that fits the payload budget goes alone (a single NAL
unit packet, RFC 7798 4.4.1); runs of NAL units small enough to share a packet (VPS, SPS,
PPS, SEI, small slices) go together in an aggregation packet (type 48, 4.4.2); a NAL unit
larger than the budget is cut into fragmentation units (type 49, 4.4.3) with the S bit on
the first and the E bit on the last. The stream is sent without decoding order numbers:
``sprop-max-don-diff`` is 0 (its default), so no DONL/DOND field appears anywhere, and
PACI packets (type 50) are neither sent nor accepted.

Receiver side, ``depacketize``: the payloads of one access unit (one RTP timestamp, in
sequence order) back to an Annex-B access unit. A fragmented NAL unit whose run is not
whole (its first or last fragment missing, or interrupted by another packet) is dropped and
counted, since a decoder fed half a slice fails or, worse, shows garbage; the rest of the
access unit is kept. A lost middle fragment leaves both ends in place and only sequence
numbers reveal it: that is the jitter buffer's job (aiortc's releases no frame across a
gap), not this function's. A payload that breaks the format's structure raises ``PayloadError``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

#: Payload budget per RTP packet: 1200 bytes leave room on a 1280-byte IPv6 minimum MTU path
#: for the RTP header (12), aiortc's header extensions (mid, abs-send-time: 12), SRTP's
#: authentication tag (10), UDP (8) and IPv6 (40), with TURN's channel framing (4) to spare.
DEFAULT_MTU = 1200

NAL_HEADER_SIZE = 2
FU_HEADER_SIZE = 1
LENGTH_SIZE = 2

TYPE_AP = 48
TYPE_FU = 49
TYPE_PACI = 50

START_CODE = b"\x00\x00\x00\x01"

# Smallest budget that still carries a fragment: payload header, FU header, one byte.
MIN_MTU = NAL_HEADER_SIZE + FU_HEADER_SIZE + 1


class PayloadError(ValueError):
    """A payload or NAL unit that RFC 7798 does not allow (truncated, reserved type)."""


def nal_type(header_byte: int) -> int:
    """The NAL unit type (6 bits) from the first byte of an H.265 NAL unit header."""
    return (header_byte >> 1) & 0x3F


def split_annexb(data: bytes) -> list[bytes]:
    """The NAL units of an Annex-B byte stream (3- or 4-byte start codes, trailing zeros cut)."""
    nals: list[bytes] = []
    pos = data.find(b"\x00\x00\x01")
    while pos >= 0:
        start = pos + 3
        pos = data.find(b"\x00\x00\x01", start)
        end = len(data) if pos < 0 else pos
        # A NAL unit never ends in a zero byte (its RBSP ends with a stop bit): zeros before
        # the next start code are trailing_zero_8bits or the first byte of a 4-byte code.
        while end > start and data[end - 1] == 0:
            end -= 1
        if end > start:
            nals.append(data[start:end])
    return nals


def _check_nal(nal: bytes) -> None:
    if len(nal) < NAL_HEADER_SIZE:
        raise PayloadError(f"NAL unit of {len(nal)} byte(s) is shorter than its header")
    kind = nal_type(nal[0])
    if kind in (TYPE_AP, TYPE_FU, TYPE_PACI):
        raise PayloadError(f"NAL unit type {kind} is reserved for RTP payload structures")


def _aggregate(nals: Sequence[bytes]) -> bytes:
    """One aggregation packet: F = OR of the F bits, LayerId and TID the lowest (4.4.2)."""
    forbidden = 0
    layer_id = 0x3F
    tid = 0x07
    for nal in nals:
        forbidden |= nal[0] & 0x80
        layer_id = min(layer_id, ((nal[0] & 0x01) << 5) | (nal[1] >> 3))
        tid = min(tid, nal[1] & 0x07)
    header = bytes((forbidden | (TYPE_AP << 1) | (layer_id >> 5), ((layer_id & 0x1F) << 3) | tid))
    parts = [header]
    for nal in nals:
        parts.append(len(nal).to_bytes(LENGTH_SIZE, "big"))
        parts.append(nal)
    return b"".join(parts)


def _fragment(nal: bytes, mtu: int) -> Iterator[bytes]:
    """Fragmentation units of one NAL unit, in sizes that differ by at most one byte."""
    # The payload header keeps F, LayerId and TID of the NAL unit, with type 49.
    header = bytes(((nal[0] & 0x81) | (TYPE_FU << 1), nal[1]))
    kind = nal_type(nal[0])
    body = memoryview(nal)[NAL_HEADER_SIZE:]
    count = math.ceil(len(body) / (mtu - NAL_HEADER_SIZE - FU_HEADER_SIZE))
    size, larger = divmod(len(body), count)
    offset = 0
    for index in range(count):
        end = offset + size + (1 if index < larger else 0)
        fu_header = kind
        if index == 0:
            fu_header |= 0x80  # S: the first fragment
        if index == count - 1:
            fu_header |= 0x40  # E: the last fragment
        yield header + bytes((fu_header,)) + body[offset:end]
        offset = end


def packetize(access_unit: bytes | Sequence[bytes], mtu: int = DEFAULT_MTU) -> list[bytes]:
    """RTP payloads (each at most ``mtu`` bytes) of one access unit, Annex-B or NAL units."""
    if mtu < MIN_MTU:
        raise ValueError(f"mtu {mtu} is below the minimum of {MIN_MTU}")
    nals = split_annexb(access_unit) if isinstance(access_unit, bytes) else list(access_unit)
    payloads: list[bytes] = []
    group: list[bytes] = []
    group_size = NAL_HEADER_SIZE  # an aggregation packet's size if the group became one

    def flush() -> None:
        nonlocal group_size
        if len(group) == 1:
            payloads.append(bytes(group[0]))
        elif group:
            payloads.append(_aggregate(group))
        group.clear()
        group_size = NAL_HEADER_SIZE

    for nal in nals:
        _check_nal(nal)
        if len(nal) > mtu:
            flush()
            payloads.extend(_fragment(nal, mtu))
            continue
        if group and group_size + LENGTH_SIZE + len(nal) > mtu:
            flush()
        group.append(nal)
        group_size += LENGTH_SIZE + len(nal)
    flush()
    return payloads


@dataclass(frozen=True)
class Depacketized:
    """An access unit rebuilt from its payloads, and what had to be left out."""

    annexb: bytes
    nal_count: int
    #: Fragmented NAL units dropped because their run of fragments was not whole.
    incomplete_fu_runs: int


class _Assembler:
    """The state of one access unit's reassembly (one open fragmentation run at most)."""

    def __init__(self) -> None:
        self.nals: list[bytes] = []
        self.incomplete = 0
        self.fu_parts: list[bytes] | None = None  # the open run, its first part the header
        self.fu_type = -1
        self.skipping = False  # inside a run whose start was lost: wait for its end

    def close_run(self) -> None:
        if self.fu_parts is not None:
            self.incomplete += 1
            self.fu_parts = None

    def single(self, payload: bytes) -> None:
        self.close_run()
        self.skipping = False
        self.nals.append(payload)

    def aggregate(self, payload: bytes) -> None:
        self.close_run()
        self.skipping = False
        pos = NAL_HEADER_SIZE
        if pos == len(payload):
            raise PayloadError("aggregation packet without NAL units")
        while pos < len(payload):
            if pos + LENGTH_SIZE > len(payload):
                raise PayloadError("aggregation packet: truncated length field")
            size = int.from_bytes(payload[pos : pos + LENGTH_SIZE], "big")
            pos += LENGTH_SIZE
            if size < NAL_HEADER_SIZE or pos + size > len(payload):
                raise PayloadError(f"aggregation packet: NAL unit of {size} bytes does not fit")
            nal = payload[pos : pos + size]
            _check_nal(nal)
            self.nals.append(nal)
            pos += size

    def fragment(self, payload: bytes) -> None:
        if len(payload) <= NAL_HEADER_SIZE + FU_HEADER_SIZE:
            raise PayloadError("fragmentation unit without data")
        fu_header = payload[NAL_HEADER_SIZE]
        start, end, kind = bool(fu_header & 0x80), bool(fu_header & 0x40), fu_header & 0x3F
        if start and end:
            raise PayloadError("fragmentation unit with both S and E bits set")
        if kind in (TYPE_AP, TYPE_FU, TYPE_PACI):
            raise PayloadError(f"fragmentation unit of reserved type {kind}")
        data = payload[NAL_HEADER_SIZE + FU_HEADER_SIZE :]
        if start:
            self.close_run()
            self.skipping = False
            header = bytes(((payload[0] & 0x81) | (kind << 1), payload[1]))
            self.fu_parts, self.fu_type = [header, data], kind
            return
        if self.fu_parts is None or kind != self.fu_type:
            # A continuation without its start: count the run once, skip to its end.
            self.close_run()
            if not self.skipping:
                self.incomplete += 1
            self.skipping = not end
            return
        self.fu_parts.append(data)
        if end:
            self.nals.append(b"".join(self.fu_parts))
            self.fu_parts = None


def depacketize(payloads: Iterable[bytes]) -> Depacketized:
    """The Annex-B access unit carried by ``payloads`` (one RTP timestamp, in sequence order)."""
    assembler = _Assembler()
    for payload in payloads:
        if len(payload) < NAL_HEADER_SIZE:
            raise PayloadError(f"payload of {len(payload)} byte(s) is shorter than its header")
        kind = nal_type(payload[0])
        if kind == TYPE_AP:
            assembler.aggregate(payload)
        elif kind == TYPE_FU:
            assembler.fragment(payload)
        elif kind == TYPE_PACI:
            raise PayloadError("PACI packets (type 50) are not supported")
        elif kind > TYPE_PACI:
            raise PayloadError(f"payload of unspecified type {kind}")
        else:
            assembler.single(payload)
    assembler.close_run()
    nals = assembler.nals
    return Depacketized(
        annexb=b"".join(START_CODE + nal for nal in nals),
        nal_count=len(nals),
        incomplete_fu_runs=assembler.incomplete,
    )
