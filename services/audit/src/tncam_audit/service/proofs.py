"""Checkpoints and Merkle proofs: what an outside verifier asks to check the log itself."""

from __future__ import annotations

import asyncio

from tncam.audit.v1 import checkpoint_pb2
from tncam_audit.db import reader
from tncam_audit.db.pg import pooled
from tncam_audit.domain import merkle
from tncam_audit.service.context import AuditContext
from tncam_mesh.errors import InvalidInputError, NotFoundError


async def get_checkpoint(
    ctx: AuditContext, req: checkpoint_pb2.GetCheckpointRequest
) -> checkpoint_pb2.GetCheckpointReply:
    """The newest (or a given) checkpoint and the verifier key."""
    reply = checkpoint_pb2.GetCheckpointReply(verifier_key=ctx.verifier_key)
    async with pooled(ctx.engine) as conn:
        row = await reader.checkpoint_row(conn, req.tree_size)
        if row is None:
            if req.tree_size:
                raise NotFoundError(
                    "audit.checkpoint.not_found", f"no checkpoint of size {req.tree_size}"
                )
            return reply
        anchors = await reader.anchors(conn)
    size, root, signed_at, note = row
    cp = reply.checkpoint
    cp.tree_size, cp.root_hash, cp.signed_note = size, root, note
    cp.signed_at.FromDatetime(signed_at)
    if size in anchors:
        cp.object_key = anchors[size].object_key
        cp.object_version_id = anchors[size].version_id
    return reply


async def _sized(ctx: AuditContext, size: int) -> tuple[int, list[bytes]]:
    async with pooled(ctx.engine) as conn:
        if not size:
            row = await reader.checkpoint_row(conn, 0)
            if row is None:
                raise NotFoundError("audit.proof.no_checkpoint", "the log has no checkpoint")
            size = row[0]
        leaves = await reader.leaf_hashes(conn, size)
    if len(leaves) != size:
        raise NotFoundError("audit.proof.too_large", f"the log has no {size} entries")
    return size, leaves


async def get_inclusion_proof(
    ctx: AuditContext, req: checkpoint_pb2.GetInclusionProofRequest
) -> checkpoint_pb2.GetInclusionProofReply:
    """The audit path of one entry in the tree of a given size."""
    size, leaves = await _sized(ctx, req.tree_size)
    if not 1 <= req.sequence <= size:
        raise InvalidInputError("audit.proof.bad_sequence", f"sequence must be in 1..{size}")
    index = req.sequence - 1

    def prove() -> tuple[list[bytes], bytes]:
        return merkle.inclusion_proof(leaves, index), merkle.root_of(leaves)

    path, root = await asyncio.to_thread(prove)
    return checkpoint_pb2.GetInclusionProofReply(
        leaf_index=index, tree_size=size, leaf_hash=leaves[index], path=path, root_hash=root
    )


async def get_consistency_proof(
    ctx: AuditContext, req: checkpoint_pb2.GetConsistencyProofRequest
) -> checkpoint_pb2.GetConsistencyProofReply:
    """Proof that the tree of size ``first`` is a prefix of the tree of size ``second``."""
    second, leaves = await _sized(ctx, req.second)
    if not 1 <= req.first <= second:
        raise InvalidInputError("audit.proof.bad_size", f"first must be in 1..{second}")

    def prove() -> tuple[list[bytes], bytes, bytes]:
        return (
            merkle.consistency_proof(leaves, req.first),
            merkle.root_of(leaves[: req.first]),
            merkle.root_of(leaves),
        )

    proof, first_root, second_root = await asyncio.to_thread(prove)
    return checkpoint_pb2.GetConsistencyProofReply(
        first=req.first,
        second=second,
        proof=proof,
        first_root_hash=first_root,
        second_root_hash=second_root,
    )
