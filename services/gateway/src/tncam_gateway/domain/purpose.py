"""Why footage is accessed, and on what legal basis: as the API names it and as the audit log
records it."""

from __future__ import annotations

from dataclasses import dataclass

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam_gateway.domain.roles import LegalBasis, Purpose
from tncam_mesh.errors import InvalidInputError

LEGAL_BASIS_PB: dict[LegalBasis, apb.LegalBasis] = {
    LegalBasis.EMERGENCY_COMMAND: apb.LEGAL_BASIS_EMERGENCY_COMMAND,
    LegalBasis.INCIDENT_FIX: apb.LEGAL_BASIS_INCIDENT_FIX,
    LegalBasis.WRITTEN_REQUEST: apb.LEGAL_BASIS_WRITTEN_REQUEST,
    LegalBasis.COMMITTEE_APPROVAL: apb.LEGAL_BASIS_COMMITTEE_APPROVAL,
}

# Purposes the audit contract has no code of its own for are recorded as OTHER with the
# API's purpose name leading the text, so that the processing log still says which one.
PURPOSE_PB: dict[Purpose, apb.PurposeCode] = {
    Purpose.PUBLIC_ORDER: apb.PURPOSE_CODE_PUBLIC_ORDER,
    Purpose.TRAFFIC_SAFETY: apb.PURPOSE_CODE_TRAFFIC_SAFETY,
    Purpose.INCIDENT_INVESTIGATION: apb.PURPOSE_CODE_CASE_INVESTIGATION,
    Purpose.TECHNICAL_MAINTENANCE: apb.PURPOSE_CODE_TECHNICAL_MAINTENANCE,
    Purpose.ADMINISTRATIVE_SUPERVISION: apb.PURPOSE_CODE_OTHER,
    Purpose.CITIZEN_SERVICE: apb.PURPOSE_CODE_OTHER,
    Purpose.OTHER: apb.PURPOSE_CODE_OTHER,
}


@dataclass(frozen=True)
class PurposeOfAccess:
    """Why footage is accessed: a code and, for ``other``, the caller's words."""

    code: Purpose
    text: str = ""

    @classmethod
    def parse(cls, code: str | None, text: str | None) -> PurposeOfAccess:
        """Validate the purpose fields of a request (``purpose`` missing → 400)."""
        if not code:
            raise MissingPurposeError(
                "gateway.footage.purpose_required",
                "Phải nêu mục đích truy cập (purpose is required: "
                + ", ".join(p.value for p in Purpose)
                + ")",
            )
        try:
            purpose = Purpose(code)
        except ValueError as e:
            raise InvalidInputError(
                "gateway.footage.purpose_invalid", f"Mục đích không hợp lệ: {code!r}"
            ) from e
        words = (text or "").strip()
        if purpose is Purpose.OTHER and len(words) < 5:
            raise InvalidInputError(
                "gateway.footage.purpose_text_required",
                "Mục đích 'other' cần mô tả (purpose_text, at least 5 characters)",
            )
        return cls(purpose, words[:500])

    def audit_text(self) -> str:
        """The purpose text as recorded."""
        if PURPOSE_PB[self.code] == apb.PURPOSE_CODE_OTHER and self.code is not Purpose.OTHER:
            return f"{self.code.value}: {self.text}".rstrip(": ")
        return self.text


class MissingPurposeError(InvalidInputError):
    """A footage request without a purpose (400, not 422: the request is incomplete)."""

    http_status = 400
