"""CSV export of log entries with Vietnamese headers and labels, for officials (R12).

UTF-8 with a byte-order mark so that spreadsheet programs open Vietnamese text correctly;
times in Vietnam time (UTC+7), as officials read them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.audit.v1 import log_entry_pb2
from tncam.common.v1 import actor_pb2
from tncam_audit.domain.entries import camera_ids, target_key

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
BOM = "\ufeff"

HEADERS = (
    "Số thứ tự",
    "Thời điểm (giờ Việt Nam)",
    "Mã người thực hiện",
    "Người thực hiện",
    "Đơn vị",
    "Vai trò",
    "Hành động",
    "Camera",
    "Đơn vị quản lý camera",
    "Dữ liệu từ",
    "Dữ liệu đến",
    "Đối tượng khác",
    "Mục đích",
    "Diễn giải mục đích",
    "Loại dữ liệu",
    "Căn cứ pháp lý",
    "Mã cấp quyền/phê duyệt",
    "Số văn bản",
    "Kết quả",
    "Mã lỗi",
    "Dịch vụ ghi nhận",
    "Mã yêu cầu",
    "Địa chỉ truy cập",
    "Thời điểm ghi sổ (giờ Việt Nam)",
)

PURPOSES: dict[int, str] = {
    pb.PURPOSE_CODE_UNSPECIFIED: "Không rõ",
    pb.PURPOSE_CODE_NOT_APPLICABLE: "Không xử lý dữ liệu cá nhân",
    pb.PURPOSE_CODE_PUBLIC_ORDER: "Bảo đảm an ninh, trật tự",
    pb.PURPOSE_CODE_TRAFFIC_SAFETY: "Bảo đảm an toàn giao thông",
    pb.PURPOSE_CODE_CASE_INVESTIGATION: "Điều tra, xử lý vụ việc",
    pb.PURPOSE_CODE_EMERGENCY_COMMAND: "Chỉ đạo, điều hành khẩn cấp",
    pb.PURPOSE_CODE_TECHNICAL_MAINTENANCE: "Khắc phục sự cố, bảo trì kỹ thuật",
    pb.PURPOSE_CODE_URBAN_ORDER: "Trật tự đô thị",
    pb.PURPOSE_CODE_ENVIRONMENT: "Vi phạm môi trường",
    pb.PURPOSE_CODE_NEIGHBOURHOOD_SECURITY: "An ninh khu dân cư",
    pb.PURPOSE_CODE_SECTOR_OPERATION: "Điều hành chuyên ngành",
    pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION: "Quản trị hệ thống, tài khoản",
    pb.PURPOSE_CODE_AUDIT_REVIEW: "Kiểm tra nhật ký",
    pb.PURPOSE_CODE_OTHER: "Khác",
}
CATEGORIES: dict[int, str] = {
    pb.DATA_CATEGORY_UNSPECIFIED: "Không rõ",
    pb.DATA_CATEGORY_IMAGE: "Hình ảnh",
    pb.DATA_CATEGORY_PLATE: "Biển số xe",
    pb.DATA_CATEGORY_BIOMETRIC: "Sinh trắc học",
    pb.DATA_CATEGORY_ACCOUNT: "Tài khoản",
    pb.DATA_CATEGORY_CONFIGURATION: "Cấu hình",
    pb.DATA_CATEGORY_CREDENTIAL: "Thông tin xác thực",
    pb.DATA_CATEGORY_AUDIT_LOG: "Nhật ký kiểm toán",
    pb.DATA_CATEGORY_METADATA: "Dữ liệu vận hành",
}
BASES: dict[int, str] = {
    pb.LEGAL_BASIS_UNSPECIFIED: "",
    pb.LEGAL_BASIS_NONE: "Trong phạm vi được giao",
    pb.LEGAL_BASIS_EMERGENCY_COMMAND: "Chỉ đạo khẩn cấp",
    pb.LEGAL_BASIS_INCIDENT_FIX: "Khắc phục sự cố kết nối",
    pb.LEGAL_BASIS_WRITTEN_REQUEST: "Văn bản đề nghị của cơ quan có thẩm quyền",
    pb.LEGAL_BASIS_COMMITTEE_APPROVAL: "Văn bản chấp thuận của UBND tỉnh",
    pb.LEGAL_BASIS_QUICK_EXTRACTION: "Trích xuất nhanh",
}
OUTCOMES: dict[int, str] = {
    pb.OUTCOME_UNSPECIFIED: "Không rõ",
    pb.OUTCOME_SUCCESS: "Thành công",
    pb.OUTCOME_DENIED: "Bị từ chối",
    pb.OUTCOME_FAILED: "Thất bại",
}
ROLES: dict[int, str] = {
    actor_pb2.ROLE_UNSPECIFIED: "",
    actor_pb2.ROLE_PROVINCE_ADMIN: "Quản trị cấp tỉnh",
    actor_pb2.ROLE_UNIT_OPERATOR: "Vận hành đơn vị",
    actor_pb2.ROLE_UNIT_VIEWER: "Xem của đơn vị",
    actor_pb2.ROLE_SECTOR_OPERATOR: "Vận hành chuyên ngành",
    actor_pb2.ROLE_AUDITOR: "Kiểm tra nhật ký",
    actor_pb2.ROLE_APP_CLIENT: "Ứng dụng C-Thái Nguyên",
    actor_pb2.ROLE_SERVICE: "Dịch vụ hệ thống",
    actor_pb2.ROLE_ANONYMOUS: "Chưa xác định",
}


def local_time(stamp: object) -> str:
    """A protobuf Timestamp as ``dd/mm/yyyy HH:MM:SS`` in Vietnam time; empty if unset."""
    if not stamp.seconds and not stamp.nanos:  # type: ignore[attr-defined]
        return ""
    t = stamp.ToDatetime(tzinfo=dt.UTC).astimezone(VIETNAM)  # type: ignore[attr-defined]
    return str(t.strftime("%d/%m/%Y %H:%M:%S"))


def _label(table: dict[int, str], value: int) -> str:
    return table.get(value, str(value))


def row_of(entry: log_entry_pb2.LogEntry) -> list[str]:
    """One CSV row of an entry, in :data:`HEADERS` order."""
    e = entry.event
    seg = e.target.segments if e.target.WhichOneof("target") == "segments" else None
    kind, ident = target_key(e)
    return [
        str(entry.sequence),
        local_time(e.occurred_at),
        e.actor.id,
        e.actor.display_name,
        e.actor.unit_id,
        _label(ROLES, e.actor.role),
        e.action,
        ", ".join(camera_ids(e)),
        ", ".join(e.target_unit_ids),
        local_time(seg.start) if seg else "",
        local_time(seg.end) if seg else "",
        f"{kind}: {ident}" if kind else "",
        _label(PURPOSES, e.purpose_code),
        e.purpose_text,
        ", ".join(_label(CATEGORIES, c) for c in e.data_categories),
        _label(BASES, e.legal_basis),
        e.grant_id,
        " ".join(x for x in (e.document_number, e.document_issuer, e.document_date) if x),
        _label(OUTCOMES, e.outcome),
        e.error_code,
        e.source_service,
        e.request_id,
        e.client_address,
        local_time(entry.appended_at),
    ]


def _safe(cell: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def to_csv(entries: Iterable[log_entry_pb2.LogEntry]) -> tuple[bytes, int]:
    """The CSV document (BOM, header row, one row per entry) and its row count."""
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADERS)
    rows = 0
    for entry in entries:
        writer.writerow([_safe(c) for c in row_of(entry)])
        rows += 1
    return buf.getvalue().encode("utf-8"), rows
