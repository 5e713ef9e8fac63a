"""Reading the log: pages of entries by filter and view, and the same as CSV for officials."""

from __future__ import annotations

import asyncio

from tncam.audit.v1 import log_entry_pb2, query_pb2
from tncam_audit.db import reader
from tncam_audit.db.pg import pooled
from tncam_audit.domain.csv_export import to_csv
from tncam_audit.service.context import AuditContext

QUERY_PAGE = (100, 1000)  # default, maximum
CSV_PAGE = (10_000, 50_000)


async def query_log(ctx: AuditContext, req: query_pb2.QueryLogRequest) -> query_pb2.QueryLogReply:
    """One page of entries matching a filter."""
    limit = reader.page_size(req.page_size, default=QUERY_PAGE[0], maximum=QUERY_PAGE[1])
    blobs, token = await _page(ctx, req.filter, req.page_token, limit, req.newest_first)
    reply = query_pb2.QueryLogReply(next_page_token=token)
    for blob in blobs:
        reply.entries.add().ParseFromString(blob)
    return reply


async def export_log_csv(
    ctx: AuditContext, req: query_pb2.ExportLogCsvRequest
) -> query_pb2.ExportLogCsvReply:
    """One page of entries as CSV with Vietnamese headers."""
    limit = reader.page_size(req.page_size, default=CSV_PAGE[0], maximum=CSV_PAGE[1])
    blobs, token = await _page(ctx, req.filter, req.page_token, limit, False)

    def render() -> tuple[bytes, int]:
        return to_csv(log_entry_pb2.LogEntry.FromString(b) for b in blobs)

    data, rows = await asyncio.to_thread(render)
    return query_pb2.ExportLogCsvReply(csv=data, rows=rows, next_page_token=token)


async def _page(
    ctx: AuditContext, log_filter: query_pb2.LogFilter, page_token: str, limit: int, newest: bool
) -> tuple[list[bytes], str]:
    """Stored entries (serialized) of one page, and the token of the next ("" at the end)."""
    async with pooled(ctx.engine) as conn:
        blobs, after = await reader.query_page(
            conn,
            log_filter,
            after=reader.decode_token(page_token),
            limit=limit,
            newest_first=newest,
        )
    return blobs, reader.encode_token(after) if after else ""
