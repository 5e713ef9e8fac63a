"""The audit log's Merkle tree, proofs and signed checkpoints checked by the Go reference
implementation (golang.org/x/mod/sumdb/tlog and note, the code of Go's checksum database): any
standard transparency-log tool must agree with tncam. The checker (tests/gocheck) is built by
`make setup` into .cache/bin/tncam-auditcheck."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tncam_audit.domain import merkle
from tncam_audit.domain.note import (
    CheckpointBody,
    Signer,
    open_checkpoint,
    open_note,
    sign_checkpoint,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[4]
CHECKER = ROOT / ".cache" / "bin" / "tncam-auditcheck"


def _go(request: dict[str, Any]) -> dict[str, Any]:
    assert CHECKER.exists(), "the Go checker is not built: run `make setup`"
    result = subprocess.run(
        [str(CHECKER)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def _hashes(values: list[str]) -> list[bytes]:
    return [base64.b64decode(v) for v in values]


def test_roots_proofs_and_checkpoints_agree_with_go() -> None:
    # Records of uneven sizes (as canonical log entries are), 37 of them: trees of every shape.
    data = [hashlib.sha512(str(i).encode()).digest()[: 20 + i * 7 % 90] for i in range(37)]
    leaves = [merkle.leaf_hash(d) for d in data]
    sizes = list(range(1, 38))
    inclusions = [(i, n) for n in (1, 2, 7, 8, 13, 32, 37) for i in (0, n // 2, n - 1)]
    consistent = [(m, n) for n in (8, 13, 37) for m in (1, 3, n // 2, n - 1)]
    signer = Signer.generate("audit.camera.thainguyen.gov.vn")
    tree = merkle.CompactTree()
    tree.extend_hashes(leaves)
    body = CheckpointBody(
        origin=signer.name, size=37, root=tree.root(), time=dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    )
    checkpoint = sign_checkpoint(signer, body)
    text = "tncam cross-check\nký bởi Go / signed by Go\n"
    go = _go(
        {
            "leaves": [base64.b64encode(d).decode() for d in data],
            "sizes": sizes,
            "inclusions": inclusions,
            "consistent": consistent,
            "note": checkpoint,
            "verifier": signer.verifier.encode(),
            "signer": signer.encode(),
            "text": text,
        }
    )
    assert _hashes(go["leaf_hashes"]) == leaves
    for n in sizes:
        assert base64.b64decode(go["roots"][str(n)]) == merkle.root_of(leaves[:n]), n
    for (index, n), proof in zip(inclusions, go["inclusions"], strict=True):
        assert _hashes(proof) == merkle.inclusion_proof(leaves[:n], index), (index, n)
    for (m, n), proof in zip(consistent, go["consistent"], strict=True):
        assert _hashes(proof) == merkle.consistency_proof(leaves[:n], m), (m, n)
    # tncam's signed checkpoint opens with Go's note verifier and names Go's own tree head.
    assert go["note_text"] == body.encode()
    assert (go["note_size"], go["note_root_ok"]) == (37, True)
    assert "invalid signature" in go["forged_refused"]
    # A note Go signed with tncam's key (its private-key form) opens in tncam.
    assert open_note(go["go_signed"], [signer.verifier]).text == text
    assert open_checkpoint(checkpoint, [signer.verifier]) == body
