"""The few SDP lines the edge reads itself (pure): offered codecs, candidates, sdpfrags.

aiortc parses the offer; the edge only needs the video codec names a viewer offers, its
``.local`` (mDNS) candidates taken out of the offer so resolving them (about a second when
they do not resolve) happens after the answer, not before it, and the candidates of a WHEP
PATCH body (``application/trickle-ice-sdpfrag``, RFC 8840).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RTPMAP = re.compile(r"^a=rtpmap:\d+ ([A-Za-z0-9_-]+)/", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class CandidateLine:
    """One remote ICE candidate (``candidate:...`` without ``a=``) and its media section."""

    candidate: str
    mid: str | None
    mline_index: int

    @property
    def is_mdns(self) -> bool:
        """Whether its address is an mDNS name (a browser hiding its private address)."""
        parts = self.candidate.split()
        return len(parts) > 4 and parts[4].lower().endswith(".local")


@dataclass(frozen=True, slots=True)
class Trickle:
    """What one sdpfrag carries: candidates, and whether the viewer has no more."""

    candidates: tuple[CandidateLine, ...]
    end_of_candidates: bool


class SdpError(ValueError):
    """An SDP or sdpfrag the edge cannot read."""


def _sections(sdp: str) -> list[list[str]]:
    """Lines per media section; the session part (before the first ``m=``) is dropped."""
    sections: list[list[str]] = []
    for line in sdp.splitlines():
        line = line.strip()
        if line.startswith("m="):
            sections.append([line])
        elif sections and line:
            sections[-1].append(line)
    return sections


def offered_video_codecs(sdp: str) -> frozenset[str]:
    """Upper-case codec names of the offer's video sections (``H265``, ``H264``, ...)."""
    names: set[str] = set()
    for section in _sections(sdp):
        if section[0].startswith("m=video"):
            names.update(m.upper() for m in _RTPMAP.findall("\n".join(section)))
    return frozenset(names)


def _candidates(sections: list[list[str]]) -> tuple[list[CandidateLine], bool]:
    found: list[CandidateLine] = []
    end = False
    for index, section in enumerate(sections):
        mid = next((line[6:] for line in section if line.startswith("a=mid:")), None)
        for line in section:
            if line.startswith("a=candidate:"):
                found.append(CandidateLine(line[2:], mid, index))
            elif line == "a=end-of-candidates":
                end = True
    return found, end


def split_mdns_candidates(sdp: str) -> tuple[str, list[CandidateLine]]:
    """The offer without its mDNS candidates, and those candidates (to add later)."""
    found, _ = _candidates(_sections(sdp))
    mdns = [c for c in found if c.is_mdns]
    if not mdns:
        return sdp, []
    hidden = {f"a={c.candidate}" for c in mdns}
    eol = "\r\n" if "\r\n" in sdp else "\n"
    kept = [line for line in sdp.splitlines() if line.strip() not in hidden]
    return eol.join(kept) + eol, mdns


def parse_trickle(sdpfrag: str) -> Trickle:
    """The candidates of a WHEP PATCH body (RFC 8840 sdpfrag)."""
    sections = _sections(sdpfrag)
    if not sections:
        # A fragment may omit m= lines when the session has one media section.
        sections = [["m=", *(line.strip() for line in sdpfrag.splitlines() if line.strip())]]
    found, end = _candidates(sections)
    for c in found:
        if len(c.candidate.split()) < 8:
            raise SdpError(f"malformed candidate line: {c.candidate[:80]!r}")
    return Trickle(tuple(found), end)
