"""The audit service's request/reply edges: each ``tncam.audit.v1.*`` operation on one use case.

``RpcService.add`` decodes the request and maps a ``TncamError`` to the error reply; each
endpoint here is one service function bound to the context.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from google.protobuf.message import Message

from tncam.audit.v1 import breach_pb2, checkpoint_pb2, query_pb2, verify_pb2
from tncam_audit.service import breaches, proofs, queries, verification
from tncam_audit.service.context import AuditContext
from tncam_contracts import catalog
from tncam_contracts.catalog import RequestSpec
from tncam_mesh.rpc import RpcService

UseCase = Callable[[AuditContext, Any], Awaitable[Message]]

ENDPOINTS: tuple[tuple[RequestSpec, type[Message], UseCase], ...] = (
    (catalog.AUDIT_VERIFY, verify_pb2.VerifyRequest, verification.verify),
    (catalog.AUDIT_QUERY_LOG, query_pb2.QueryLogRequest, queries.query_log),
    (catalog.AUDIT_EXPORT_LOG_CSV, query_pb2.ExportLogCsvRequest, queries.export_log_csv),
    (catalog.AUDIT_GET_CHECKPOINT, checkpoint_pb2.GetCheckpointRequest, proofs.get_checkpoint),
    (
        catalog.AUDIT_GET_INCLUSION_PROOF,
        checkpoint_pb2.GetInclusionProofRequest,
        proofs.get_inclusion_proof,
    ),
    (
        catalog.AUDIT_GET_CONSISTENCY_PROOF,
        checkpoint_pb2.GetConsistencyProofRequest,
        proofs.get_consistency_proof,
    ),
    (catalog.AUDIT_RECORD_BREACH, breach_pb2.RecordBreachRequest, breaches.record_breach),
    (
        catalog.AUDIT_RECORD_BREACH_NOTICE,
        breach_pb2.RecordBreachNoticeRequest,
        breaches.record_notice,
    ),
    (catalog.AUDIT_LIST_BREACHES, breach_pb2.ListBreachesRequest, breaches.list_breaches),
)


async def add_endpoints(rpc: RpcService, ctx: AuditContext) -> None:
    """Serve every audit operation on ``rpc``."""
    for spec, request_type, use_case in ENDPOINTS:
        await rpc.add(spec, request_type, functools.partial(use_case, ctx))
