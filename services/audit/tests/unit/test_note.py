"""Signed notes and checkpoints: the C2SP formats, round trips, forgeries refused."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from tncam_audit.domain.merkle import leaf_hash
from tncam_audit.domain.note import (
    CheckpointBody,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    open_note,
    sign_checkpoint,
)

ORIGIN = "tncam.test/audit"
T0 = dt.datetime(2026, 11, 22, 8, 30, tzinfo=dt.UTC)


def test_keys_round_trip_and_ids_follow_the_note_format() -> None:
    signer = Signer.generate(ORIGIN)
    again = Signer.parse(signer.encode())
    assert again.verifier == signer.verifier
    assert signer.encode().startswith(f"PRIVATE+KEY+{ORIGIN}+{signer.verifier.id.hex()}+")
    encoded = signer.verifier.encode()
    name, hex_id, b64 = encoded.split("+", 2)
    assert (name, hex_id) == (ORIGIN, signer.verifier.id.hex())
    assert base64.b64decode(b64)[0] == 1
    assert len(base64.b64decode(b64)) == 33
    assert Verifier.parse(encoded) == signer.verifier
    assert "PRIVATE" not in repr(signer)
    with pytest.raises(NoteError):
        Verifier.parse(encoded.replace(hex_id, "00000000"))
    with pytest.raises(NoteError):
        Signer.parse(signer.encode().replace(ORIGIN, "other.origin"))


def test_checkpoint_text_is_the_tlog_checkpoint_form() -> None:
    signer = Signer.generate(ORIGIN)
    root = leaf_hash(b"a")
    note = sign_checkpoint(signer, CheckpointBody(ORIGIN, 7, root, T0))
    lines = note.split("\n")
    assert lines[0] == ORIGIN
    assert lines[1] == "7"
    assert lines[2] == base64.b64encode(root).decode()
    assert lines[3] == "time 2026-11-22T08:30:00.000000Z"
    assert lines[4] == ""
    assert lines[5].startswith(f"\u2014 {ORIGIN} ")
    assert note.endswith("\n")
    sig = base64.b64decode(lines[5].split(" ")[2])
    assert sig[:4] == signer.verifier.id
    assert len(sig) == 68
    body = open_checkpoint(note, [signer.verifier])
    assert body == CheckpointBody(ORIGIN, 7, root, T0)


def test_forged_checkpoints_are_refused() -> None:
    signer = Signer.generate(ORIGIN)
    mallory = Signer.generate(ORIGIN)  # same name, other key
    good = sign_checkpoint(signer, CheckpointBody(ORIGIN, 3, leaf_hash(b"r"), T0))
    # Another key, even under the same name, is not trusted.
    forged = sign_checkpoint(mallory, CheckpointBody(ORIGIN, 3, leaf_hash(b"x"), T0))
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_checkpoint(forged, [signer.verifier])
    # Changing the signed text breaks the signature.
    with pytest.raises(NoteError, match="invalid signature"):
        open_checkpoint(good.replace("\n3\n", "\n4\n"), [signer.verifier])
    # A signature line claiming our key id with someone else's signature.
    theirs = forged.rsplit(" ", 1)[1].strip()
    raw = base64.b64decode(theirs)
    spliced = good.rsplit(" ", 1)[0] + " " + base64.b64encode(signer.verifier.id + raw[4:]).decode()
    with pytest.raises(NoteError, match="invalid signature"):
        open_checkpoint(spliced + "\n", [signer.verifier])
    for broken in ("", good.replace("\n\n", "\n"), good[:-1], good + "junk\n"):
        with pytest.raises(NoteError):
            open_note(broken, [signer.verifier])


def test_bodies_are_parsed_strictly() -> None:
    root = base64.b64encode(leaf_hash(b"r")).decode()
    for text in (
        f"{ORIGIN}\n07\n{root}\ntime 2026-11-22T08:30:00.000000Z\n",
        f"{ORIGIN}\n7\n{root[:-4]}\ntime 2026-11-22T08:30:00.000000Z\n",
        f"{ORIGIN}\n7\n{root}\n",
        f"bad origin\n7\n{root}\ntime 2026-11-22T08:30:00.000000Z\n",
        f"{ORIGIN}\n7\n{root}\n\ntime 2026-11-22T08:30:00.000000Z\n",
    ):
        with pytest.raises(NoteError):
            CheckpointBody.parse(text)


def test_keys_whose_base64_contains_plus_signs_parse() -> None:
    # The note key forms split on '+' at most twice: base64 itself may contain '+'.
    for _ in range(64):
        signer = Signer.generate(ORIGIN)
        assert Signer.parse(signer.encode()).verifier == signer.verifier
        assert Verifier.parse(signer.verifier.encode()) == signer.verifier
