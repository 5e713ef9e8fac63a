"""The subject and stream catalog: every NATS subject and JetStream stream tncam uses.

Subjects follow ``tncam.<domain>.v1.<event>[.<camera_id>]`` (events past tense, requests
imperative). A *namespace* prefixes every subject and stream name so that tests (and
side-by-side deployments) are isolated on one server; production uses the empty namespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

_NS_RE = re.compile(r"^[a-z0-9_]*$")


class Retention(StrEnum):
    """JetStream retention policy."""

    LIMITS = "limits"
    WORK_QUEUE = "workqueue"
    INTEREST = "interest"


class Discard(StrEnum):
    """What a full stream does with a new message."""

    OLD = "old"
    NEW = "new"  # producers see back-pressure instead of history being dropped


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """Declarative JetStream stream configuration, independent of the NATS client."""

    name: str
    subjects: tuple[str, ...]
    description: str
    retention: Retention = Retention.LIMITS
    discard: Discard = Discard.OLD
    max_age_s: float = 0.0  # 0 = unlimited
    max_bytes: int = -1
    max_msg_size: int = -1
    duplicate_window_s: float = 120.0
    deny_delete: bool = False
    deny_purge: bool = False
    replicas: int = 1
    allow_direct: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    def scoped(self, namespace: str) -> StreamSpec:
        """This stream under ``namespace`` (name prefixed, subjects prefixed)."""
        if not namespace:
            return self
        return replace(
            self,
            name=f"{namespace.upper()}_{self.name}",
            subjects=tuple(f"{namespace}.{s}" for s in self.subjects),
        )


def check_namespace(namespace: str) -> str:
    """Validate a namespace: lower-case letters, digits and underscores only."""
    if not _NS_RE.match(namespace):
        raise ValueError(
            f"namespace {namespace!r} may only contain lower-case letters, digits and '_'"
        )
    return namespace


def subject(namespace: str, base: str) -> str:
    """A catalog subject under ``namespace``."""
    return f"{namespace}.{base}" if namespace else base
