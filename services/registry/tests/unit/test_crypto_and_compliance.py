"""Credentials sealed with AES-GCM; device compliance findings."""

from __future__ import annotations

import datetime as dt

import pytest

from tncam_mesh.errors import TncamError
from tncam_registry.db.credentials import CredentialBox
from tncam_registry.domain.credentials import Credentials
from tncam_registry.domain.deadlines import compliance_issues


def test_seal_and_open() -> None:
    box = CredentialBox("a-secret")
    sealed = box.seal("cam-1", Credentials("admin", "pässword"))
    assert b"admin" not in sealed
    assert "pässword".encode() not in sealed
    assert box.open("cam-1", sealed) == Credentials("admin", "pässword")
    assert "pässword" not in repr(Credentials("admin", "pässword"))
    with pytest.raises(TncamError) as e:
        box.open("cam-2", sealed)  # bound to its camera
    assert e.value.code == "registry.credentials.undecryptable"
    with pytest.raises(TncamError):
        CredentialBox("another-secret").open("cam-1", sealed)


def test_compliance_issues() -> None:
    today = dt.date(2026, 3, 1)
    assert (
        compliance_issues(
            codec="hevc",
            qcvn135_cert="QCVN-1",
            qcvn135_valid_until=dt.date(2027, 1, 1),
            onvif_version="2.6",
            today=today,
        )
        == []
    )
    assert compliance_issues(
        codec="h264",
        qcvn135_cert="Q",
        qcvn135_valid_until=dt.date(2026, 2, 1),
        onvif_version="1.0",
        today=today,
    ) == ["codec_not_h265", "qcvn135_cert_expired", "onvif_below_2_0"]
    assert compliance_issues(
        codec="hevc", qcvn135_cert="", qcvn135_valid_until=None, onvif_version="", today=today
    ) == ["no_qcvn135_cert"]
