"""The one AEAD box: sealed values open only with the same key, label and owner."""

from __future__ import annotations

import pytest

from tncam_mesh.aead import AeadBox, SealedValueError, derive_key


def test_a_sealed_value_opens_for_its_owner() -> None:
    box = AeadBox("secret", "tncam-test")
    sealed = box.seal(b"seed", owner="acct-1")
    assert box.open(sealed, owner="acct-1") == b"seed"
    assert sealed != box.seal(b"seed", owner="acct-1")  # a fresh nonce each time


@pytest.mark.parametrize(
    ("box", "owner"),
    [
        (AeadBox("secret", "tncam-test"), "acct-2"),
        (AeadBox("other", "tncam-test"), "acct-1"),
        (AeadBox("secret", "tncam-other"), "acct-1"),
    ],
)
def test_another_owner_key_or_label_does_not_open(box: AeadBox, owner: str) -> None:
    sealed = AeadBox("secret", "tncam-test").seal(b"seed", owner="acct-1")
    with pytest.raises(SealedValueError):
        box.open(sealed, owner=owner)


def test_a_tampered_or_truncated_value_does_not_open() -> None:
    box = AeadBox("secret", "tncam-test")
    sealed = bytearray(box.seal(b"seed", owner="acct-1"))
    sealed[-1] ^= 1
    with pytest.raises(SealedValueError):
        box.open(bytes(sealed), owner="acct-1")
    with pytest.raises(SealedValueError):
        box.open(b"short", owner="acct-1")


def test_keys_are_derived_per_label_and_an_empty_secret_is_refused() -> None:
    assert len(derive_key("secret", "a")) == 32
    assert derive_key("secret", "a") != derive_key("secret", "b")
    assert derive_key("secret", "a") == derive_key(b"secret", "a")
    with pytest.raises(ValueError, match="must not be empty"):
        AeadBox("", "tncam-test")
