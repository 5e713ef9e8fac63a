"""Roles, purposes and legal bases as the API names them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What an account may do (DESIGN.md §5)."""

    PROVINCE_ADMIN = "province_admin"
    UNIT_OPERATOR = "unit_operator"
    UNIT_VIEWER = "unit_viewer"
    SECTOR_OPERATOR = "sector_operator"
    AUDITOR = "auditor"
    APP_CLIENT = "app_client"


class Purpose(StrEnum):
    """Purpose of an access to footage (processing log, R12)."""

    PUBLIC_ORDER = "public_order"
    TRAFFIC_SAFETY = "traffic_safety"
    INCIDENT_INVESTIGATION = "incident_investigation"
    ADMINISTRATIVE_SUPERVISION = "administrative_supervision"
    TECHNICAL_MAINTENANCE = "technical_maintenance"
    CITIZEN_SERVICE = "citizen_service"
    OTHER = "other"


class LegalBasis(StrEnum):
    """Basis of a grant: break-glass for the central operator, or a committee approval."""

    EMERGENCY_COMMAND = "emergency_command"
    INCIDENT_FIX = "incident_fix"
    WRITTEN_REQUEST = "written_request"
    COMMITTEE_APPROVAL = "committee_approval"


BREAK_GLASS_BASES = frozenset(
    {LegalBasis.EMERGENCY_COMMAND, LegalBasis.INCIDENT_FIX, LegalBasis.WRITTEN_REQUEST}
)


class GrantScope(StrEnum):
    """What a grant allows on its cameras."""

    VIEW = "view"
    EXPORT = "export"
