// The audit log search (auditor: everything; a unit's leader: its unit's processing and
// extraction logs, as the API narrows them): time range, camera, actor, purpose, action and
// outcome, page by page, and the same search as a CSV file.
import { useEffect, useState } from "preact/hooks";
import { exportAuditLogCsv, queryAuditLog } from "../api";
import type { LogEntryOut, LogOutcome, LogView, Purpose } from "../api";
import { formatDateTime } from "../format";
import { PURPOSE_TEXT } from "../labels";
import { ApiError, messageOf } from "../problems";
import { compact, saveBlob, toVietnamLocal, vietnamInstant, vietnamLocal } from "../records";
import type { Route } from "../router";
import { call, currentUser } from "../session";
import { describedBy, ErrorBox, Field, Loading } from "../ui";

const VIEW_TEXT: Record<LogView, string> = {
  processing: "Nhật ký xử lý dữ liệu cá nhân (xem, phát lại)",
  extraction: "Nhật ký trích xuất",
  all: "Toàn bộ nhật ký",
};
const OUTCOME_TEXT: Record<LogOutcome, string> = {
  success: "Thành công",
  denied: "Bị từ chối",
  failed: "Thất bại",
};
/** The audit contract's codes, worded as the audit service's CSV words them. */
const PURPOSE_CODE_TEXT: Record<string, string> = {
  PURPOSE_CODE_NOT_APPLICABLE: "Không xử lý dữ liệu cá nhân",
  PURPOSE_CODE_PUBLIC_ORDER: "Bảo đảm an ninh, trật tự",
  PURPOSE_CODE_TRAFFIC_SAFETY: "Bảo đảm an toàn giao thông",
  PURPOSE_CODE_CASE_INVESTIGATION: "Điều tra, xử lý vụ việc",
  PURPOSE_CODE_EMERGENCY_COMMAND: "Chỉ đạo, điều hành khẩn cấp",
  PURPOSE_CODE_TECHNICAL_MAINTENANCE: "Khắc phục sự cố, bảo trì kỹ thuật",
  PURPOSE_CODE_URBAN_ORDER: "Trật tự đô thị",
  PURPOSE_CODE_ENVIRONMENT: "Vi phạm môi trường",
  PURPOSE_CODE_NEIGHBOURHOOD_SECURITY: "An ninh khu dân cư",
  PURPOSE_CODE_SECTOR_OPERATION: "Điều hành chuyên ngành",
  PURPOSE_CODE_SYSTEM_ADMINISTRATION: "Quản trị hệ thống, tài khoản",
  PURPOSE_CODE_AUDIT_REVIEW: "Kiểm tra nhật ký",
  PURPOSE_CODE_OTHER: "Khác",
};
const BASIS_CODE_TEXT: Record<string, string> = {
  LEGAL_BASIS_NONE: "Trong phạm vi được giao",
  LEGAL_BASIS_EMERGENCY_COMMAND: "Chỉ đạo khẩn cấp",
  LEGAL_BASIS_INCIDENT_FIX: "Khắc phục sự cố kết nối",
  LEGAL_BASIS_WRITTEN_REQUEST: "Văn bản đề nghị của cơ quan có thẩm quyền",
  LEGAL_BASIS_COMMITTEE_APPROVAL: "Văn bản chấp thuận của UBND tỉnh",
  LEGAL_BASIS_QUICK_EXTRACTION: "Trích xuất nhanh",
};
const PAGE_SIZE = 50;

interface Filters {
  view: LogView;
  since: string; // datetime-local, Vietnam's time
  until: string;
  camera_id: string;
  actor_id: string;
  purpose: Purpose | "";
  action: string;
  outcome: LogOutcome | "";
}

function fromRoute(q: URLSearchParams): Filters {
  return {
    view: (q.get("xem") as LogView) || "processing",
    since: toVietnamLocal(q.get("tu")) || vietnamLocal(-24),
    until: toVietnamLocal(q.get("den")),
    camera_id: q.get("camera") ?? "",
    actor_id: q.get("nguoi") ?? "",
    purpose: (q.get("muc-dich") as Purpose) || "",
    action: q.get("hanh-dong") ?? "",
    outcome: "",
  };
}

function apiQuery(f: Filters) {
  return compact({
    view: f.view,
    since: vietnamInstant(f.since),
    until: vietnamInstant(f.until),
    camera_id: f.camera_id.trim(),
    actor_id: f.actor_id.trim(),
    purpose: f.purpose || undefined,
    action: f.action.trim(),
    outcome: f.outcome || undefined,
  });
}

type Event = Record<string, unknown> & {
  occurred_at?: string;
  action?: string;
  actor?: { id?: string; display_name?: string; unit_id?: string };
  target?: { cameras?: { camera_ids?: string[] }; segments?: { camera_id?: string } };
  purpose_code?: string;
  purpose_text?: string;
  legal_basis?: string;
  grant_id?: string;
  outcome?: string;
  error_code?: string;
};

function cameraOf(e: Event): string {
  return e.target?.cameras?.camera_ids?.join(", ") || e.target?.segments?.camera_id || "—";
}

function outcomeOf(e: Event): string {
  const key = (e.outcome ?? "").replace("OUTCOME_", "").toLowerCase() as LogOutcome;
  const text = OUTCOME_TEXT[key] ?? "—";
  return e.error_code ? `${text} (${e.error_code})` : text;
}

function Row({ entry }: { entry: LogEntryOut }) {
  const e = entry.event as Event;
  const purpose = e.purpose_code ? (PURPOSE_CODE_TEXT[e.purpose_code] ?? e.purpose_code) : "";
  return (
    <tr data-sequence={entry.sequence}>
      <td>{entry.sequence}</td>
      <td>{formatDateTime(e.occurred_at ?? entry.appended_at)}</td>
      <td>
        {e.actor?.display_name || e.actor?.id || "—"}
        {e.actor?.unit_id && <small class="muted"> ({e.actor.unit_id})</small>}
      </td>
      <td>
        <code>{e.action}</code>
      </td>
      <td>{cameraOf(e)}</td>
      <td class="purpose">
        {purpose}
        {e.purpose_text && <span>: {e.purpose_text}</span>}
      </td>
      <td>
        {e.legal_basis ? (BASIS_CODE_TEXT[e.legal_basis] ?? "—") : "—"}
        {e.grant_id && <small class="muted"> quyền {e.grant_id.slice(0, 8)}</small>}
      </td>
      <td>{outcomeOf(e)}</td>
    </tr>
  );
}

function FilterForm({ init, onSearch, busy }: { init: Filters; onSearch: (f: Filters) => void; busy: boolean }) {
  const [f, setF] = useState(init);
  const set = <K extends keyof Filters>(k: K, v: Filters[K]) => setF({ ...f, [k]: v });
  const leader = currentUser()?.role !== "auditor";
  const text = (id: string, k: "camera_id" | "actor_id" | "action", label: string, hint?: string) => (
    <Field id={id} label={label} hint={hint}>
      <input
        id={id}
        value={f[k]}
        onInput={(e) => set(k, e.currentTarget.value)}
        aria-describedby={describedBy(id, undefined, hint)}
      />
    </Field>
  );
  return (
    <form
      class="panel grid-form compact"
      role="search"
      aria-labelledby="audit-search-h"
      onSubmit={(ev) => {
        ev.preventDefault();
        onSearch(f);
      }}
    >
      <h2 id="audit-search-h">Điều kiện tra cứu</h2>
      <Field id="a-view" label="Phần nhật ký">
        <select id="a-view" value={f.view} onChange={(e) => set("view", e.currentTarget.value as LogView)}>
          {Object.entries(VIEW_TEXT)
            .filter(([k]) => !leader || k !== "all")
            .map(([k, v]) => (
              <option value={k}>{v}</option>
            ))}
        </select>
      </Field>
      <Field id="a-since" label="Từ (giờ Việt Nam)">
        <input id="a-since" type="datetime-local" value={f.since} onInput={(e) => set("since", e.currentTarget.value)} />
      </Field>
      <Field id="a-until" label="Đến (giờ Việt Nam)">
        <input id="a-until" type="datetime-local" value={f.until} onInput={(e) => set("until", e.currentTarget.value)} />
      </Field>
      {text("a-camera", "camera_id", "Mã camera")}
      {text("a-actor", "actor_id", "Mã tài khoản người thực hiện")}
      <Field id="a-purpose" label="Mục đích">
        <select id="a-purpose" value={f.purpose} onChange={(e) => set("purpose", e.currentTarget.value as Purpose)}>
          <option value="">Mọi mục đích</option>
          {Object.entries(PURPOSE_TEXT).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
      </Field>
      {text("a-action", "action", "Hành động", "Phần đầu của mã hành động, ví dụ footage. hoặc live.")}
      <Field id="a-outcome" label="Kết quả">
        <select id="a-outcome" value={f.outcome} onChange={(e) => set("outcome", e.currentTarget.value as LogOutcome)}>
          <option value="">Mọi kết quả</option>
          {Object.entries(OUTCOME_TEXT).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
      </Field>
      <button type="submit" disabled={busy}>
        Tra cứu
      </button>
    </form>
  );
}

export function AuditPage({ route }: { route: Route }) {
  const [filters, setFilters] = useState(() => fromRoute(route.query));
  const [tokens, setTokens] = useState<string[]>([""]); // the page tokens walked so far
  const [page, setPage] = useState<{ items: LogEntryOut[]; next: string } | null>(null);
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [downloading, setDownloading] = useState(false);
  const token = tokens[tokens.length - 1];

  useEffect(() => {
    let live = true;
    setPage(null);
    setError("");
    const query = { ...apiQuery(filters), page_size: PAGE_SIZE, page_token: token, newest_first: true };
    call(() => queryAuditLog({ query })).then(
      (p) => live && setPage({ items: p.items, next: p.next_page_token }),
      (e: unknown) => {
        if (!live) return;
        setError(messageOf(e));
        setFields(e instanceof ApiError ? e.fields : {});
      },
    );
    return () => {
      live = false;
    };
  }, [filters, token]);

  const download = async () => {
    setDownloading(true);
    setError("");
    try {
      const blob = await call(() => exportAuditLogCsv({ query: apiQuery(filters), parseAs: "blob" }));
      const day = new Date().toISOString().slice(0, 10);
      saveBlob(blob as unknown as Blob, `nhat-ky-${filters.view}-${day}.csv`);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setDownloading(false);
    }
  };

  const invalid = Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("; ");
  return (
    <main id="main" data-loaded={page ? "yes" : undefined}>
      <h1>Tra cứu nhật ký truy cập</h1>
      {currentUser()?.role !== "auditor" && (
        <p class="muted">Lãnh đạo đơn vị xem nhật ký xử lý và trích xuất trên camera của đơn vị mình.</p>
      )}
      <FilterForm
        init={filters}
        busy={!page && !error}
        onSearch={(f) => {
          setFilters(f);
          setTokens([""]);
        }}
      />
      <ErrorBox text={invalid ? `${error} (${invalid})` : error} />
      <div class="toolbar">
        <button type="button" onClick={() => void download()} disabled={downloading} aria-busy={downloading}>
          Tải CSV
        </button>
        {downloading && <Loading text="Đang chuẩn bị tệp CSV…" />}
      </div>
      {!page && !error && <Loading />}
      {page && page.items.length === 0 && <p>Không có mục nào khớp điều kiện tra cứu.</p>}
      {page && page.items.length > 0 && (
        <div class="table-wrap short" tabIndex={0} role="region" aria-label="Kết quả tra cứu nhật ký">
          <table data-testid="audit-log">
            <caption class="sr-only">Kết quả tra cứu nhật ký, mới nhất trước</caption>
            <thead>
              <tr>
                <th scope="col">Số thứ tự</th>
                <th scope="col">Thời điểm</th>
                <th scope="col">Người thực hiện</th>
                <th scope="col">Hành động</th>
                <th scope="col">Camera</th>
                <th scope="col">Mục đích</th>
                <th scope="col">Căn cứ</th>
                <th scope="col">Kết quả</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((entry) => (
                <Row entry={entry} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Phân trang nhật ký">
        <button type="button" disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))}>
          Trang trước
        </button>
        <span>Trang {tokens.length}</span>
        <button type="button" disabled={!page?.next} onClick={() => page && setTokens([...tokens, page.next])}>
          Trang sau
        </button>
      </nav>
    </main>
  );
}
