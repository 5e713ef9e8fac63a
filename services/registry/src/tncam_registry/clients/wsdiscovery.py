"""WS-Discovery (ONVIF): one Probe for NetworkVideoTransmitters from one interface, the
ProbeMatches collected for a bounded time. Answers are parsed without entities or network
access, at most 64 KiB each and 256 devices."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from dataclasses import dataclass

from lxml import etree

MULTICAST_ADDR = "239.255.255.250"
PORT = 3702
MAX_DEVICES = 256
_NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "d": "http://schemas.xmlsoap.org/ws/2005/04/discovery",
}
_PROBE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<s:Envelope xmlns:s="{s}" xmlns:a="{a}" xmlns:d="{d}" '
    'xmlns:dn="http://www.onvif.org/ver10/network/wsdl">'
    "<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>"
    "<a:MessageID>urn:uuid:{mid}</a:MessageID>"
    "<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>"
    "<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body>"
    "</s:Envelope>"
)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class Found:
    """One device that answered."""

    endpoint: str
    xaddrs: tuple[str, ...]
    scopes: tuple[str, ...]


def parse_match(data: bytes) -> list[Found]:
    """The ProbeMatch entries of one datagram (nothing if it is not one)."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        return []
    out = []
    for m in root.iterfind(".//d:ProbeMatch", _NS):
        epr = m.findtext("a:EndpointReference/a:Address", "", _NS).strip()
        xaddrs = tuple(m.findtext("d:XAddrs", "", _NS).split())
        scopes = tuple(m.findtext("d:Scopes", "", _NS).split())
        if xaddrs:
            out.append(Found(epr, xaddrs, scopes))
    return out


class _Collector(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.found: dict[str, Found] = {}

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        for f in parse_match(data[: 64 * 1024]):
            if len(self.found) < MAX_DEVICES:
                self.found.setdefault(f.endpoint or f.xaddrs[0], f)


async def probe(interface_address: str, timeout_s: float, port: int = PORT) -> list[Found]:
    """Send one Probe from ``interface_address`` and collect the answers for ``timeout_s``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.setsockopt(
            socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface_address)
        )
        sock.bind((interface_address, 0))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    loop = asyncio.get_running_loop()
    transport, collector = await loop.create_datagram_endpoint(_Collector, sock=sock)
    try:
        message = _PROBE.format(mid=uuid.uuid4(), **_NS).encode()
        transport.sendto(message, (MULTICAST_ADDR, port))
        with contextlib.suppress(TimeoutError):
            await asyncio.sleep(timeout_s)
        return list(collector.found.values())
    finally:
        transport.close()
