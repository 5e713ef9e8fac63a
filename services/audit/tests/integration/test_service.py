"""The service against real NATS, PostgreSQL and S3: appends once, signs and anchors
checkpoints under object lock, answers verification, queries, CSV and the breach register."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable

import pytest
from minio.commonconfig import COMPLIANCE
from minio.error import S3Error

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.audit.v1 import breach_pb2, checkpoint_pb2, query_pb2, verify_pb2
from tncam.common.v1 import actor_pb2
from tncam_audit.domain import merkle
from tncam_audit.domain.note import open_checkpoint
from tncam_audit.settings import AuditSettings
from tncam_contracts import catalog
from tncam_mesh.audit import AuditClient, new_event
from tncam_mesh.bus import Bus
from tncam_mesh.errors import InvalidInputError
from tncam_mesh.jetstream import publish
from tncam_mesh.rpc import call
from tncam_testkit.procs import free_port
from tncam_testkit.s3 import S3Endpoint
from tncam_testkit.services import http_get

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


async def eventually(check: object, timeout: float = 30.0, interval: float = 0.1) -> object:
    """Await ``check()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()  # type: ignore[operator]
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {value!r})")
        await asyncio.sleep(interval)


def ev(
    i: int,
    *,
    actor: str = "u1",
    unit: str = "xa-a",
    camera: str = "CAM-1",
    action: str = "footage.live.viewed",
    purpose: int = pb.PURPOSE_CODE_PUBLIC_ORDER,
    categories: tuple[int, ...] = (pb.DATA_CATEGORY_IMAGE,),
) -> pb.AuditEvent:
    e = new_event(
        action=action,
        actor=actor_pb2.Actor(id=actor, display_name=f"Người {actor}", unit_id=unit, role=2),
        source_service="gateway",
        cameras=[camera],
        data_categories=categories,
        purpose_code=purpose,  # type: ignore[arg-type]
        purpose_text="tuần tra",
        now=T0 + dt.timedelta(minutes=i),
    )
    e.target_unit_ids.append(unit)
    return e


async def tree_size(bus: Bus, ns: str) -> int:
    reply = await call(
        bus, catalog.AUDIT_VERIFY, verify_pb2.VerifyRequest(), verify_pb2.VerifyReply, namespace=ns
    )
    return int(reply.tree_size)


async def metric(url: str, name: str) -> float:
    _, body = await asyncio.to_thread(http_get, f"{url}/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric {name}")


async def test_appends_once_signs_and_anchors_checkpoints_under_object_lock(  # type: ignore[no-untyped-def]
    make_settings: Callable[..., AuditSettings],
    running,
    bus: Bus,
    namespace: str,
    s3_endpoint: S3Endpoint,
    audit_db,
) -> None:
    bucket = f"audit-{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        http_port=free_port(),
        http_host="127.0.0.1",
        checkpoint_every_events=10,
        checkpoint_every_s=0.5,
        s3_endpoint=s3_endpoint.url,
        s3_access_key=s3_endpoint.access_key,
        s3_secret_key=s3_endpoint.secret_key,
        checkpoint_bucket=bucket,
        checkpoint_retention_days=1,
        verify_interval_s=0.5,
    )
    async with running(settings) as url:
        client = AuditClient(bus.js, service="gateway", namespace=namespace)
        events = [ev(i) for i in range(25)]

        async def appended(n: int) -> bool:
            return await tree_size(bus, namespace) >= n

        for i, e in enumerate(events, start=1):
            await client.record(e)
            if i % 10 == 0:
                # One batch never spans a checkpoint boundary, whatever the machine's load:
                # checkpoints at 10, 20 and 25 (a batch of 16 would give only 16 and 25).
                await eventually(lambda n=i: appended(n))
        # The same events again, past JetStream's own de-duplication (another Nats-Msg-Id):
        # the log stores each event_id once.
        subject = catalog.AUDIT_EVENT_RECORDED.subject("gateway", namespace)
        for e in events[:5]:
            await publish(bus.js, subject, e, msg_id=f"retry-{e.event_id}")

        async def anchored() -> bool:
            conn = await audit_db.admin()
            try:
                return bool(
                    await conn.fetchval(
                        "SELECT count(*) FROM checkpoint_anchors WHERE tree_size = 25"
                    )
                )
            finally:
                await conn.close()

        await eventually(anchored)
        assert await tree_size(bus, namespace) == 25
        await eventually(lambda: metric_is(url, "tncam_audit_duplicate_events_total", ">=", 5))
        assert await metric(url, "tncam_audit_appended_events_total") == 25
        assert await metric(url, "tncam_audit_sequencer_active") == 1
        await eventually(lambda: metric_is(url, "tncam_audit_verify_runs_total", ">=", 1))
        assert await metric(url, "tncam_audit_verify_failures_total") == 0
        assert await metric(url, "tncam_audit_checkpoint_age_seconds") < 60

        # The checkpoint reply verifies with the key it names; proofs check out against it.
        cp = await call(
            bus,
            catalog.AUDIT_GET_CHECKPOINT,
            checkpoint_pb2.GetCheckpointRequest(),
            checkpoint_pb2.GetCheckpointReply,
            namespace=namespace,
        )
        assert cp.checkpoint.tree_size == 25
        assert cp.checkpoint.object_key.endswith("00000000000000000025.note")
        body = open_checkpoint(cp.checkpoint.signed_note, settings.verifiers())
        incl = await call(
            bus,
            catalog.AUDIT_GET_INCLUSION_PROOF,
            checkpoint_pb2.GetInclusionProofRequest(sequence=7),
            checkpoint_pb2.GetInclusionProofReply,
            namespace=namespace,
        )
        assert merkle.verify_inclusion(incl.leaf_hash, 6, 25, list(incl.path), body.root)
        admin = await audit_db.admin()
        try:
            first = await admin.fetchval("SELECT min(tree_size) FROM checkpoints")
        finally:
            await admin.close()
        assert 0 < first < 25
        cons = await call(
            bus,
            catalog.AUDIT_GET_CONSISTENCY_PROOF,
            checkpoint_pb2.GetConsistencyProofRequest(first=first),
            checkpoint_pb2.GetConsistencyProofReply,
            namespace=namespace,
        )
        ten = await call(
            bus,
            catalog.AUDIT_GET_CHECKPOINT,
            checkpoint_pb2.GetCheckpointRequest(tree_size=first),
            checkpoint_pb2.GetCheckpointReply,
            namespace=namespace,
        )
        assert merkle.verify_consistency(
            first, 25, list(cons.proof), ten.checkpoint.root_hash, body.root
        )

        # The locked copy: compliance retention, and deleting that version is refused.
        s3 = s3_endpoint.client()
        key = cp.checkpoint.object_key
        version = cp.checkpoint.object_version_id or None
        retention = s3.get_object_retention(bucket, key, version_id=version)
        assert retention is not None
        assert retention.mode == COMPLIANCE
        with pytest.raises(S3Error):
            s3.remove_object(bucket, key, version_id=version)
        got = s3.get_object(bucket, key, version_id=version)
        assert got.read().decode() == cp.checkpoint.signed_note
        got.close()
        got.release_conn()

        ok = await call(
            bus,
            catalog.AUDIT_VERIFY,
            verify_pb2.VerifyRequest(include_object_store=True),
            verify_pb2.VerifyReply,
            namespace=namespace,
        )
        assert ok.ok, ok.problems
        assert ok.checkpoints_checked >= 3

        # A superuser wipes the database checkpoints and rewrites entry 4: the object store
        # still holds the signed checkpoints, so verification names entry 4.
        admin = await audit_db.admin()
        try:
            await admin.execute("SET session_replication_role = replica")
            await admin.execute("DELETE FROM checkpoint_anchors")
            await admin.execute("DELETE FROM checkpoints")
            await admin.execute(
                "UPDATE log_entries SET canonical = canonical || '\\x00'::bytea WHERE seq = 4"
            )
        finally:
            await admin.close()
        bad = await call(
            bus,
            catalog.AUDIT_VERIFY,
            verify_pb2.VerifyRequest(include_object_store=True),
            verify_pb2.VerifyReply,
            namespace=namespace,
        )
        assert not bad.ok
        assert bad.first_bad_sequence == 4
        assert bad.latest_checkpoint_size == 25
        await eventually(lambda: metric_is(url, "tncam_audit_verify_failures_total", ">=", 1))


async def metric_is(url: str, name: str, op: str, value: float) -> bool:
    got = await metric(url, name)
    return got >= value if op == ">=" else got == value


async def test_queries_views_pagination_and_csv(  # type: ignore[no-untyped-def]
    make_settings: Callable[..., AuditSettings], running, bus: Bus, namespace: str
) -> None:
    settings = make_settings(http_port=free_port(), http_host="127.0.0.1")
    async with running(settings):
        client = AuditClient(bus.js, service="gateway", namespace=namespace)
        plan = [
            ev(0, actor="alice", unit="xa-a", camera="CAM-1"),
            ev(1, actor="bob", unit="xa-b", camera="CAM-2"),
            ev(
                2,
                actor="alice",
                unit="xa-a",
                camera="CAM-2",
                action="footage.export.created",
                purpose=pb.PURPOSE_CODE_CASE_INVESTIGATION,
            ),
            ev(
                3,
                actor="carol",
                unit="xa-b",
                camera="CAM-3",
                action="account.login.succeeded",
                purpose=pb.PURPOSE_CODE_NOT_APPLICABLE,
                categories=(pb.DATA_CATEGORY_ACCOUNT,),
            ),
            ev(
                4,
                actor="bob",
                unit="xa-b",
                camera="CAM-1",
                action="footage.extraction.quick",
                purpose=pb.PURPOSE_CODE_URBAN_ORDER,
            ),
            ev(
                5,
                actor="alice",
                unit="xa-a",
                camera="CAM-1",
                action="footage.playback.viewed",
                categories=(pb.DATA_CATEGORY_PLATE,),
            ),
        ]
        for e in plan:
            await client.record(e)
        await eventually(lambda: _size_at_least(bus, namespace, len(plan)))

        async def q(**kw: object) -> list[str]:
            page = kw.pop("page_size", 0)
            reply = await call(
                bus,
                catalog.AUDIT_QUERY_LOG,
                query_pb2.QueryLogRequest(filter=query_pb2.LogFilter(**kw), page_size=page),  # type: ignore[arg-type]
                query_pb2.QueryLogReply,
                namespace=namespace,
            )
            return [e.event.event_id for e in reply.entries]

        ids = [e.event_id for e in plan]
        assert await q(actor_id="alice") == [ids[0], ids[2], ids[5]]
        assert await q(actor_unit_id="xa-b") == [ids[1], ids[3], ids[4]]
        assert await q(unit_id="xa-a") == [ids[0], ids[2], ids[5]]
        assert await q(camera_id="CAM-1") == [ids[0], ids[4], ids[5]]
        assert await q(action="footage.") == [ids[0], ids[1], ids[2], ids[4], ids[5]]
        assert await q(action="account.login.succeeded") == [ids[3]]
        assert await q(purpose_code=pb.PURPOSE_CODE_CASE_INVESTIGATION) == [ids[2]]
        since, until = query_pb2.LogFilter().since, query_pb2.LogFilter().until
        f = query_pb2.LogFilter()
        f.since.FromDatetime(T0 + dt.timedelta(minutes=1))
        f.until.FromDatetime(T0 + dt.timedelta(minutes=3))
        del since, until
        reply = await call(
            bus,
            catalog.AUDIT_QUERY_LOG,
            query_pb2.QueryLogRequest(filter=f),
            query_pb2.QueryLogReply,
            namespace=namespace,
        )
        assert [e.event.event_id for e in reply.entries] == [ids[1], ids[2]]
        # Views: who saw which camera when and why; who extracted.
        assert await q(view=query_pb2.LOG_VIEW_PROCESSING) == [ids[i] for i in (0, 1, 2, 4, 5)]
        assert await q(view=query_pb2.LOG_VIEW_EXTRACTION) == [ids[2], ids[4]]
        assert await q(view=query_pb2.LOG_VIEW_EXTRACTION, unit_id="xa-b") == [ids[4]]

        # Pagination, both directions.
        seen: list[str] = []
        token = ""
        while True:
            reply = await call(
                bus,
                catalog.AUDIT_QUERY_LOG,
                query_pb2.QueryLogRequest(page_size=4, page_token=token, newest_first=True),
                query_pb2.QueryLogReply,
                namespace=namespace,
            )
            seen += [e.event.event_id for e in reply.entries]
            token = reply.next_page_token
            if not token:
                break
        assert seen == ids[::-1]
        with pytest.raises(InvalidInputError):
            await call(
                bus,
                catalog.AUDIT_QUERY_LOG,
                query_pb2.QueryLogRequest(page_token="garbage!"),
                query_pb2.QueryLogReply,
                namespace=namespace,
            )

        csv_reply = await call(
            bus,
            catalog.AUDIT_EXPORT_LOG_CSV,
            query_pb2.ExportLogCsvRequest(
                filter=query_pb2.LogFilter(view=query_pb2.LOG_VIEW_EXTRACTION)
            ),
            query_pb2.ExportLogCsvReply,
            namespace=namespace,
        )
        table = list(csv.reader(io.StringIO(csv_reply.csv.decode("utf-8-sig"))))
        assert csv_reply.rows == 2
        assert table[0][0] == "Số thứ tự"
        assert [r[2] for r in table[1:]] == ["alice", "bob"]
        assert "Điều tra, xử lý vụ việc" in table[1]


async def _size_at_least(bus: Bus, ns: str, n: int) -> bool:
    return await tree_size(bus, ns) >= n


async def test_breach_register_deadline_overdue_metric_and_event(  # type: ignore[no-untyped-def]
    make_settings: Callable[..., AuditSettings], running, bus: Bus, namespace: str
) -> None:
    settings = make_settings(
        http_port=free_port(), http_host="127.0.0.1", breach_check_interval_s=0.2
    )
    officer = actor_pb2.Actor(id="dpo", display_name="Trần Văn B", role=actor_pb2.ROLE_AUDITOR)
    async with running(settings) as url:
        late = breach_pb2.RecordBreachRequest(
            breach_id=str(uuid.uuid4()),
            title="Lộ tài khoản vận hành",
            scope="Hình ảnh 3 camera xã A",
            camera_ids=["CAM-1"],
            recorded_by=officer,
        )
        late.detected_at.FromDatetime(dt.datetime.now(dt.UTC) - dt.timedelta(hours=73))
        fresh = breach_pb2.RecordBreachRequest(
            breach_id=str(uuid.uuid4()),
            title="Nghi truy cập trái phép",
            scope="CAM-2",
            recorded_by=officer,
        )
        fresh.detected_at.GetCurrentTime()
        for req in (late, fresh, late):  # the repeated one is an idempotent retry
            reply = await call(
                bus, catalog.AUDIT_RECORD_BREACH, req, breach_pb2.BreachReply, namespace=namespace
            )
        deadline = reply.breach.notice_deadline.ToDatetime(tzinfo=dt.UTC)
        assert deadline == late.detected_at.ToDatetime(tzinfo=dt.UTC) + dt.timedelta(hours=72)
        assert reply.breach.status == breach_pb2.BREACH_STATUS_OVERDUE

        await eventually(lambda: metric_is(url, "tncam_audit_breaches_overdue", "==", 1))

        async def overdue_event_logged() -> bool:
            reply = await call(
                bus,
                catalog.AUDIT_QUERY_LOG,
                query_pb2.QueryLogRequest(
                    filter=query_pb2.LogFilter(action="breach.notice.overdue")
                ),
                query_pb2.QueryLogReply,
                namespace=namespace,
            )
            return len(reply.entries) == 1

        await eventually(overdue_event_logged)

        # A notice dated before the breach was detected is refused; nothing is written (the
        # notice count and the audited actions below say so).
        early = breach_pb2.RecordBreachNoticeRequest(
            breach_id=late.breach_id,
            notice_id=str(uuid.uuid4()),
            recipient=breach_pb2.NOTICE_RECIPIENT_DOST,
            document_number="11/TB-STTTT",
            recorded_by=officer,
        )
        early.sent_at.FromDatetime(
            late.detected_at.ToDatetime(tzinfo=dt.UTC) - dt.timedelta(hours=1)
        )
        with pytest.raises(InvalidInputError) as refused:
            await call(
                bus,
                catalog.AUDIT_RECORD_BREACH_NOTICE,
                early,
                breach_pb2.BreachReply,
                namespace=namespace,
            )
        assert refused.value.code == "audit.breach.notice_before_breach"

        for recipient, doc in (
            (breach_pb2.NOTICE_RECIPIENT_PROVINCIAL_POLICE, "12/TB-STTTT"),
            (breach_pb2.NOTICE_RECIPIENT_DOST, "13/TB-STTTT"),
        ):
            notice = breach_pb2.RecordBreachNoticeRequest(
                breach_id=late.breach_id,
                notice_id=str(uuid.uuid4()),
                recipient=recipient,
                document_number=doc,
                channel="công văn giấy",
                recorded_by=officer,
            )
            notice.sent_at.GetCurrentTime()
            reply = await call(
                bus,
                catalog.AUDIT_RECORD_BREACH_NOTICE,
                notice,
                breach_pb2.BreachReply,
                namespace=namespace,
            )
        assert reply.breach.status == breach_pb2.BREACH_STATUS_NOTIFIED
        assert len(reply.breach.notices) == 2
        await eventually(lambda: metric_is(url, "tncam_audit_breaches_overdue", "==", 0))
        listed = await call(
            bus,
            catalog.AUDIT_LIST_BREACHES,
            breach_pb2.ListBreachesRequest(),
            breach_pb2.ListBreachesReply,
            namespace=namespace,
        )
        assert [b.breach_id for b in listed.breaches] == [fresh.breach_id, late.breach_id]

        async def recorded_actions() -> list[str]:
            reply = await call(
                bus,
                catalog.AUDIT_QUERY_LOG,
                query_pb2.QueryLogRequest(filter=query_pb2.LogFilter(action="breach.")),
                query_pb2.QueryLogReply,
                namespace=namespace,
            )
            return sorted(e.event.action for e in reply.entries)

        async def all_recorded() -> bool:
            return await recorded_actions() == sorted(
                ["breach.register.recorded"] * 2
                + ["breach.notice.recorded"] * 2
                + ["breach.notice.overdue"]
            )

        await eventually(all_recorded)
