"""aiortc for the live edge: process set-up, ICE configuration, the answer, remote candidates.

``configure_aiortc`` is called once by the composition root: it registers H.265
(``register_h265``), the larger retransmission history, the payload cache, and (when set) the
host addresses ICE offers. aioice has no per-connection setting for those addresses and never
offers 127.0.0.1 (ADR 0021), so the module function ``aioice.ice.get_host_addresses`` that
``Connection.gather_candidates`` looks up is rebound, process-wide (the edge runs nothing else
that gathers candidates).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import aioice.ice
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.sdp import candidate_from_sdp

from tncam_live.domain.sdp import CandidateLine
from tncam_live.media.aiortc_h265 import register_h265, set_retransmission_history
from tncam_live.media.payload_cache import PackObserver, register_payload_cache

log = logging.getLogger("tncam.live.peer")


def configure_aiortc(
    *,
    host_addresses: Sequence[str],
    retransmission_history: int,
    on_pack: PackObserver | None = None,
) -> None:
    """Set aiortc up for the edge (idempotent; call before the first peer connection)."""
    register_h265()
    set_retransmission_history(retransmission_history)
    register_payload_cache(on_pack)
    if host_addresses:
        offered = tuple(host_addresses)

        def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
            return [a for a in offered if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

        ice: Any = aioice.ice
        ice.get_host_addresses = get_host_addresses


def ice_configuration(
    urls: Sequence[str], username: str | None, password: str | None
) -> RTCConfiguration:
    """The peer connection's ICE servers: exactly these (aiortc's public default never)."""
    servers = [
        RTCIceServer(urls=url, username=username, credential=password)
        if url.lower().startswith(("turn:", "turns:"))
        else RTCIceServer(urls=url)
        for url in urls
    ]
    return RTCConfiguration(iceServers=servers)


def codec_preferences(codec: str) -> list[Any]:
    """aiortc's capabilities for ``codec`` (``H265``/``H264``) and their retransmission."""
    wanted = {f"video/{codec}".lower(), "video/rtx"}
    return [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType.lower() in wanted]


async def answer(pc: RTCPeerConnection, track: MediaStreamTrack, codec: str, offer_sdp: str) -> str:
    """Send ``track`` in ``codec`` only; the complete answer (candidates gathered)."""
    sender = pc.addTrack(track)
    transceiver = next(t for t in pc.getTransceivers() if t.sender is sender)
    # After addTrack, before setRemoteDescription: the answerer reuses this transceiver.
    transceiver.setCodecPreferences(codec_preferences(codec))
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    return str(pc.localDescription.sdp)


async def add_candidates(pc: RTCPeerConnection, lines: Sequence[CandidateLine]) -> None:
    """Add a viewer's candidates (mDNS ones are resolved by aioice here, off the answer)."""
    for line in lines:
        candidate = candidate_from_sdp(line.candidate.removeprefix("candidate:"))
        candidate.sdpMid = line.mid
        # The mid names the section; the index counts only the fragment's own sections.
        candidate.sdpMLineIndex = line.mline_index if line.mid is None else None
        await pc.addIceCandidate(candidate)
