"""Communes, units and sectors as the service holds them (they change only with the release)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tncam_registry.domain import importing as imp
from tncam_registry.domain.report import CommuneRef


@dataclass
class ReferenceData:
    """Communes, units and sectors, cached (they change only with the shipped file)."""

    communes: list[CommuneRef] = field(default_factory=list)
    commune_kinds: dict[str, str] = field(default_factory=dict)
    units: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)
    sectors: frozenset[str] = frozenset()
    unit_names: dict[str, str] = field(default_factory=dict)
    sector_names: dict[str, str] = field(default_factory=dict)

    def importing(self) -> imp.Reference:
        """What an import file is checked against."""
        return imp.Reference(frozenset(self.commune_kinds), frozenset(self.units), self.sectors)

    def commune_name(self, code: str) -> str:
        """The commune's name, or its code if it is not known."""
        return next((c.name for c in self.communes if c.code == code), code)
