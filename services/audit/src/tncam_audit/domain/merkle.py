"""RFC 6962 / RFC 9162 Merkle tree hashing, incremental appends and proofs.

Leaf hash ``SHA-256(0x00 || data)``, interior node ``SHA-256(0x01 || left || right)``, the
hash of the empty tree ``SHA-256("")``. A tree of ``n`` leaves splits at the largest power of
two smaller than ``n`` (RFC 6962 §2.1). :class:`CompactTree` keeps only the roots of the
perfect subtrees that make up the tree (one per set bit of its size), so appending is
amortised O(1) hashes and the state to persist is at most 64 hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """The RFC 6962 hash of a leaf."""
    return _sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 6962 hash of an interior node."""
    return _sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class CompactTree:
    """An append-only Merkle tree that stores only the roots of its perfect subtrees."""

    __slots__ = ("_size", "_stack")

    def __init__(self, size: int = 0, stack: Sequence[bytes] = ()) -> None:
        if size < 0 or len(stack) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} subtree roots")
        if any(len(h) != HASH_SIZE for h in stack):
            raise ValueError("subtree roots must be 32-byte hashes")
        self._size = size
        # Largest (leftmost) subtree first.
        self._stack = list(stack)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return self._size

    @property
    def stack(self) -> tuple[bytes, ...]:
        """Roots of the perfect subtrees, leftmost (largest) first: the state to persist."""
        return tuple(self._stack)

    def copy(self) -> CompactTree:
        """An independent copy."""
        return CompactTree(self._size, self._stack)

    def append_hash(self, leaf: bytes) -> None:
        """Append a leaf given its leaf hash."""
        stack = self._stack
        h = leaf
        size = self._size
        # Each trailing one bit of the old size is a perfect subtree the new leaf completes.
        while size & 1:
            h = _sha256(_NODE + stack.pop() + h).digest()
            size >>= 1
        stack.append(h)
        self._size += 1

    def append(self, data: bytes) -> bytes:
        """Append a leaf given its data; returns its leaf hash."""
        h = leaf_hash(data)
        self.append_hash(h)
        return h

    def extend_hashes(self, leaves: Iterable[bytes]) -> None:
        """Append many leaf hashes."""
        for h in leaves:
            self.append_hash(h)

    def root(self) -> bytes:
        """The tree hash of all leaves so far."""
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            h = _sha256(_NODE + left + h).digest()
        return h


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The tree hash of a list of leaf hashes (iterative, for proofs over a loaded range)."""
    tree = CompactTree()
    tree.extend_hashes(leaves)
    return tree.root()


# ------------------------------------------------------------------------------- proofs
# Generation works on the full list of leaf hashes (RFC 6962 §2.1.1 and §2.1.2); verification
# follows RFC 9162 §2.1.3.2 and §2.1.4.2 and needs only the proof.


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``leaves`` (leaf hashes)."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} outside a tree of size {n}")
    return _path(leaves, 0, n, index)


def _path(leaves: Sequence[bytes], lo: int, hi: int, m: int) -> list[bytes]:
    n = hi - lo
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(leaves, lo, lo + k, m), _subroot(leaves, lo + k, hi)]
    return [*_path(leaves, lo + k, hi, m - k), _subroot(leaves, lo, lo + k)]


def _subroot(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    return root_of(leaves[lo:hi])


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree ``(size, root)``."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_proof(leaves: Sequence[bytes], first: int) -> list[bytes]:
    """Proof that the tree of the first ``first`` leaves is a prefix of the tree of all."""
    n = len(leaves)
    if not 0 < first <= n:
        raise ValueError(f"first size {first} must be in 1..{n}")
    if first == n:
        return []
    return _subproof(leaves, 0, n, first, True)


def _subproof(leaves: Sequence[bytes], lo: int, hi: int, m: int, complete: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if complete else [_subroot(leaves, lo, hi)]
    k = _split(n)
    if m <= k:
        return [*_subproof(leaves, lo, lo + k, m, complete), _subroot(leaves, lo + k, hi)]
    return [*_subproof(leaves, lo + k, hi, m - k, False), _subroot(leaves, lo, lo + k)]


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """Whether ``proof`` shows the tree ``(first, first_root)`` is a prefix of the second."""
    if first < 1 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is itself a node
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
