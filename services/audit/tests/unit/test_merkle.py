"""The Merkle tree agrees with the naive RFC 6962 reference for random appends and proofs."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from tncam_audit.domain import merkle


# --- an independent, deliberately naive RFC 6962, straight from the RFC's recursive text
def _h(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 §2.1."""
    if not d:
        return _h(b"")
    if len(d) == 1:
        return _h(b"\x00" + d[0])
    k = _k(len(d))
    return _h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1."""
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 §2.1.2."""
    return _subproof(m, d, True)


def _subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = _k(n)
    if m <= k:
        return [*_subproof(m, d[:k], b), mth(d[k:])]
    return [*_subproof(m - k, d[k:], False), mth(d[:k])]


leaves_st = st.lists(st.binary(max_size=40), min_size=0, max_size=70)


def test_known_vectors() -> None:
    # RFC 6962 / certificate-transparency test vectors: the empty tree and a one-leaf tree.
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.root_of([merkle.leaf_hash(b"")]).hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()


@given(leaves_st)
@settings(max_examples=150, deadline=None)
def test_compact_tree_matches_reference_after_every_append(data: list[bytes]) -> None:
    tree = merkle.CompactTree()
    for i, d in enumerate(data):
        tree.append(d)
        assert tree.root() == mth(data[: i + 1])
    assert tree.size == len(data)
    # The persisted state restores the same tree.
    restored = merkle.CompactTree(tree.size, tree.stack)
    restored.append(b"more")
    assert restored.root() == mth([*data, b"more"])


@given(st.lists(st.binary(max_size=16), min_size=1, max_size=60), st.data())
@settings(max_examples=150, deadline=None)
def test_inclusion_proofs_match_reference_and_verify(
    data: list[bytes], draw: st.DataObject
) -> None:
    leaves = [merkle.leaf_hash(d) for d in data]
    index = draw.draw(st.integers(0, len(data) - 1))
    p = merkle.inclusion_proof(leaves, index)
    assert p == path(index, data)
    root = mth(data)
    assert merkle.verify_inclusion(leaves[index], index, len(data), p, root)
    # A proof for another leaf, a wrong index or a wrong root does not verify.
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), index, len(data), p, root)
    assert not merkle.verify_inclusion(leaves[index], index, len(data), p, bytes(32))
    if len(data) > 1:
        other = (index + 1) % len(data)
        if leaves[other] != leaves[index]:
            assert not merkle.verify_inclusion(leaves[other], index, len(data), p, root)


@given(st.lists(st.binary(max_size=16), min_size=1, max_size=60), st.data())
@settings(max_examples=150, deadline=None)
def test_consistency_proofs_match_reference_and_verify(
    data: list[bytes], draw: st.DataObject
) -> None:
    leaves = [merkle.leaf_hash(d) for d in data]
    first = draw.draw(st.integers(1, len(data)))
    p = merkle.consistency_proof(leaves, first)
    assert p == (proof(first, data) if first < len(data) else [])
    r1, r2 = mth(data[:first]), mth(data)
    assert merkle.verify_consistency(first, len(data), p, r1, r2)
    if first < len(data):
        # An older root that is not a prefix of the newer tree is refused.
        assert not merkle.verify_consistency(first, len(data), p, merkle.leaf_hash(b"x"), r2)
        assert not merkle.verify_consistency(first, len(data), p, r1, bytes(32))
        if p:
            bad = [bytes(32), *p[1:]]
            assert not merkle.verify_consistency(first, len(data), bad, r1, r2)
