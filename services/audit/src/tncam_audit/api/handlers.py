"""The audit service's request/reply operations: thin edges over the db and domain modules."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from tncam.audit.v1 import breach_pb2, checkpoint_pb2, log_entry_pb2, query_pb2, verify_pb2
from tncam_audit.breaches import BreachRegister
from tncam_audit.db import reader
from tncam_audit.db.pg import pooled
from tncam_audit.domain import merkle
from tncam_audit.domain.csv_export import to_csv
from tncam_audit.settings import AuditSettings
from tncam_audit.storage.checkpoints import CheckpointStore
from tncam_audit.verification import timed_verify
from tncam_contracts import catalog
from tncam_mesh.errors import InvalidInputError, NotFoundError
from tncam_mesh.rpc import RpcService

QUERY_PAGE = (100, 1000)  # default, maximum
CSV_PAGE = (10_000, 50_000)


class AuditApi:
    """Handlers of every ``tncam.audit.v1.*`` request."""

    def __init__(
        self,
        settings: AuditSettings,
        engine: AsyncEngine,
        register: BreachRegister,
        store: CheckpointStore | None,
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._register = register
        self._store = store
        # Parsed once: the keys do not change while the process runs.
        self._verifiers = settings.verifiers()
        self._verifier_key = settings.signer().verifier.encode()
        # One full verification at a time per replica: it reads the whole log.
        self._verify_lock = asyncio.Lock()

    async def add_to(self, rpc: RpcService) -> None:
        """Register every endpoint."""
        await rpc.add(catalog.AUDIT_VERIFY, verify_pb2.VerifyRequest, self.verify)
        await rpc.add(catalog.AUDIT_QUERY_LOG, query_pb2.QueryLogRequest, self.query_log)
        await rpc.add(
            catalog.AUDIT_EXPORT_LOG_CSV, query_pb2.ExportLogCsvRequest, self.export_log_csv
        )
        await rpc.add(
            catalog.AUDIT_GET_CHECKPOINT, checkpoint_pb2.GetCheckpointRequest, self.get_checkpoint
        )
        await rpc.add(
            catalog.AUDIT_GET_INCLUSION_PROOF,
            checkpoint_pb2.GetInclusionProofRequest,
            self.get_inclusion_proof,
        )
        await rpc.add(
            catalog.AUDIT_GET_CONSISTENCY_PROOF,
            checkpoint_pb2.GetConsistencyProofRequest,
            self.get_consistency_proof,
        )
        await rpc.add(
            catalog.AUDIT_RECORD_BREACH, breach_pb2.RecordBreachRequest, self.record_breach
        )
        await rpc.add(
            catalog.AUDIT_RECORD_BREACH_NOTICE,
            breach_pb2.RecordBreachNoticeRequest,
            self.record_breach_notice,
        )
        await rpc.add(
            catalog.AUDIT_LIST_BREACHES, breach_pb2.ListBreachesRequest, self.list_breaches
        )

    async def verify(self, req: verify_pb2.VerifyRequest) -> verify_pb2.VerifyReply:
        """Recompute everything and report the first bad sequence number."""
        store = self._store if req.include_object_store else None
        async with self._verify_lock, pooled(self._engine) as conn:
            return await timed_verify(conn, self._verifiers, self._settings.log_origin, store=store)

    async def query_log(self, req: query_pb2.QueryLogRequest) -> query_pb2.QueryLogReply:
        """One page of entries matching a filter."""
        limit = reader.page_size(req.page_size, default=QUERY_PAGE[0], maximum=QUERY_PAGE[1])
        async with pooled(self._engine) as conn:
            blobs, after = await reader.query_page(
                conn,
                req.filter,
                after=reader.decode_token(req.page_token),
                limit=limit,
                newest_first=req.newest_first,
            )
        reply = query_pb2.QueryLogReply(next_page_token=reader.encode_token(after) if after else "")
        for blob in blobs:
            reply.entries.add().ParseFromString(blob)
        return reply

    async def export_log_csv(
        self, req: query_pb2.ExportLogCsvRequest
    ) -> query_pb2.ExportLogCsvReply:
        """One page of entries as CSV with Vietnamese headers."""
        limit = reader.page_size(req.page_size, default=CSV_PAGE[0], maximum=CSV_PAGE[1])
        async with pooled(self._engine) as conn:
            blobs, after = await reader.query_page(
                conn,
                req.filter,
                after=reader.decode_token(req.page_token),
                limit=limit,
                newest_first=False,
            )

        def render() -> tuple[bytes, int]:
            return to_csv(log_entry_pb2.LogEntry.FromString(b) for b in blobs)

        data, rows = await asyncio.to_thread(render)
        return query_pb2.ExportLogCsvReply(
            csv=data, rows=rows, next_page_token=reader.encode_token(after) if after else ""
        )

    async def get_checkpoint(
        self, req: checkpoint_pb2.GetCheckpointRequest
    ) -> checkpoint_pb2.GetCheckpointReply:
        """The newest (or a given) checkpoint and the verifier key."""
        reply = checkpoint_pb2.GetCheckpointReply(verifier_key=self._verifier_key)
        async with pooled(self._engine) as conn:
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

    async def _sized(self, size: int) -> tuple[int, list[bytes]]:
        async with pooled(self._engine) as conn:
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
        self, req: checkpoint_pb2.GetInclusionProofRequest
    ) -> checkpoint_pb2.GetInclusionProofReply:
        """The audit path of one entry in the tree of a given size."""
        size, leaves = await self._sized(req.tree_size)
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
        self, req: checkpoint_pb2.GetConsistencyProofRequest
    ) -> checkpoint_pb2.GetConsistencyProofReply:
        """Proof that the tree of size ``first`` is a prefix of the tree of size ``second``."""
        second, leaves = await self._sized(req.second)
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

    async def record_breach(self, req: breach_pb2.RecordBreachRequest) -> breach_pb2.BreachReply:
        """Record a breach."""
        async with pooled(self._engine) as conn:
            return breach_pb2.BreachReply(breach=await self._register.record(conn, req))

    async def record_breach_notice(
        self, req: breach_pb2.RecordBreachNoticeRequest
    ) -> breach_pb2.BreachReply:
        """Record a notice."""
        async with pooled(self._engine) as conn:
            return breach_pb2.BreachReply(breach=await self._register.record_notice(conn, req))

    async def list_breaches(
        self, req: breach_pb2.ListBreachesRequest
    ) -> breach_pb2.ListBreachesReply:
        """The register."""
        async with pooled(self._engine) as conn:
            return breach_pb2.ListBreachesReply(
                breaches=await self._register.list(conn, req.status)
            )
