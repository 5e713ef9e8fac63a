"""Owning-unit ids shared by the services (the registry assigns them, the gateway authorizes
by them): one rule, one place."""

from __future__ import annotations


def commune_unit_id(commune_code: str) -> str:
    """The id of a commune's People's Committee as an owning unit (``commune-<code>``)."""
    return f"commune-{commune_code}"
