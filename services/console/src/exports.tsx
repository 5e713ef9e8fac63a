// Exports of one camera's footage: the request (a quick extraction for a commune's operators,
// built at once; otherwise it waits for the province's approval), the requests with their
// state (refreshed while one is in progress), approval or refusal by the province admin,
// and the download of a ready export by its requester, with its progress.
import { useEffect, useState } from "preact/hooks";
import { approveExport, createExport, listExports, rejectExport } from "./api";
import type { ExportOut, Purpose } from "./api";
import { download, formatBytes } from "./download";
import { formatDateTime } from "./format";
import { ApiError, messageOf } from "./problems";
import { call, currentUser, may } from "./session";
import { formatClock } from "./timeline";
import { ErrorBox, Field, describedBy } from "./ui";

function statusText(e: ExportOut): string {
  if (e.status === "pending") return e.decided_at ? "Đã duyệt, đang tạo bản trích xuất…" : "Chờ duyệt";
  if (e.status === "ready") return e.downloaded_at ? "Đã tải về" : "Sẵn sàng tải về";
  if (e.status === "rejected") return `Bị từ chối${e.decision_note ? `: ${e.decision_note}` : ""}`;
  return `Lỗi khi tạo (${e.error_code || "không rõ"})`;
}

/** "HH:MM:SS" of a day (Vietnam's midnight `dayStart`) → ISO instant. */
function atTime(dayStart: number, hms: string): string {
  const [h, m, s] = hms.split(":").map(Number);
  return new Date(dayStart + ((h * 60 + m) * 60 + (s || 0)) * 1000).toISOString();
}

interface Props {
  cameraId: string;
  dayStart: number;
  /** The playing position (ms), the default middle of the range. */
  position: number | null;
  purpose: Purpose | "";
  grantId?: string;
}

export function ExportPanel({ cameraId, dayStart, position, purpose, grantId }: Props) {
  const me = currentUser();
  const commune = may(["unit_operator"]) && (me?.unit_id ?? "").startsWith("commune-");
  const centre = position ?? dayStart + 12 * 3_600_000;
  const [from, setFrom] = useState(formatClock(centre - 30_000));
  const [to, setTo] = useState(formatClock(centre + 30_000));
  const [reason, setReason] = useState("");
  const [quick, setQuick] = useState(commune);
  const [error, setError] = useState<ApiError | null>(null);
  const [items, setItems] = useState<ExportOut[]>([]);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<Record<string, string>>({});

  const load = () =>
    call(() => listExports({ query: { page_size: 100 } })).then(
      (p) => setItems(p.items.filter((e) => e.camera_id === cameraId)),
      (e: unknown) => setError(e instanceof ApiError ? e : null),
    );
  useEffect(() => {
    void load();
  }, [cameraId]);
  const inProgress = items.some((e) => e.status === "pending" && (e.kind === "quick" || e.decided_at));
  useEffect(() => {
    if (!inProgress) return;
    const timer = setInterval(() => void load(), 2000);
    return () => clearInterval(timer);
  }, [inProgress, cameraId]);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (!purpose) {
      setError(new ApiError(400, "purpose", "Chọn mục đích xem ở phần phát lại trước."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = {
        camera_id: cameraId,
        from: atTime(dayStart, from),
        to: atTime(dayStart, to),
        purpose,
        reason,
        quick: commune && quick,
        grant_id: grantId ?? null,
      };
      await call(() => createExport({ body }));
      setReason("");
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, "network", messageOf(e)));
    } finally {
      setBusy(false);
    }
  };

  const save = async (e: ExportOut) => {
    try {
      await download(`/api/v1/exports/${encodeURIComponent(e.id)}/download`, `${e.id}.zip`, (p) =>
        setProgress((all) => ({
          ...all,
          [e.id]: p.total
            ? `${Math.round((p.received / p.total) * 100)} % (${formatBytes(p.received)})`
            : formatBytes(p.received),
        })),
      );
      setProgress((all) => ({ ...all, [e.id]: "Đã tải xong" }));
      await load();
    } catch (err) {
      setProgress((all) => ({ ...all, [e.id]: messageOf(err) }));
    }
  };

  const decide = async (e: ExportOut, approve: boolean) => {
    try {
      const opts = { path: { export_id: e.id }, body: { note: "" } };
      await call(() => (approve ? approveExport(opts) : rejectExport(opts)));
      await load();
    } catch (err) {
      setError(err instanceof ApiError ? err : null);
    }
  };

  const f = error?.fields ?? {};
  return (
    <section aria-labelledby="export-title" class="panel export-panel">
      <h2 id="export-title">Trích xuất dữ liệu</h2>
      <p class="muted">
        {commune
          ? "Trích xuất nhanh: bản trích xuất được tạo ngay và báo cáo sau theo quy định."
          : "Yêu cầu trích xuất cần quản trị cấp tỉnh duyệt trước khi tải về."}
      </p>
      <form class="grid-form" onSubmit={(e) => void submit(e)}>
        <ErrorBox text={error && !Object.keys(f).length ? error.detail : ""} />
        <Field id="exp-from" label="Từ (giờ:phút:giây)" error={f.from}>
          <input id="exp-from" type="time" step={1} value={from} required
            aria-describedby={describedBy("exp-from", f.from)}
            onInput={(e) => setFrom(e.currentTarget.value)} />
        </Field>
        <Field id="exp-to" label="Đến (giờ:phút:giây)" error={f.to}>
          <input id="exp-to" type="time" step={1} value={to} required
            aria-describedby={describedBy("exp-to", f.to)}
            onInput={(e) => setTo(e.currentTarget.value)} />
        </Field>
        <Field id="exp-reason" label="Lý do trích xuất" error={f.reason}>
          <input id="exp-reason" value={reason} required minLength={5}
            aria-describedby={describedBy("exp-reason", f.reason)}
            onInput={(e) => setReason(e.currentTarget.value)} />
        </Field>
        {commune && (
          <label class="check">
            <input type="checkbox" checked={quick} onChange={(e) => setQuick(e.currentTarget.checked)} />
            Trích xuất nhanh (vụ việc khẩn cấp)
          </label>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Đang gửi…" : "Gửi yêu cầu trích xuất"}
        </button>
      </form>
      <ExportTable items={items} progress={progress} onSave={save} onDecide={decide} />
    </section>
  );
}

interface TableProps {
  items: ExportOut[];
  progress: Record<string, string>;
  onSave: (e: ExportOut) => Promise<void>;
  onDecide: (e: ExportOut, approve: boolean) => Promise<void>;
}

function ExportTable({ items, progress, onSave, onDecide }: TableProps) {
  const me = currentUser();
  const approver = may(["province_admin"]);
  if (!items.length) return <p>Chưa có yêu cầu trích xuất nào cho camera này.</p>;
  return (
    <table data-testid="exports">
      <caption class="sr-only">Các yêu cầu trích xuất của camera</caption>
      <thead>
        <tr>
          <th scope="col">Yêu cầu lúc</th>
          <th scope="col">Đoạn hình ảnh</th>
          <th scope="col">Loại</th>
          <th scope="col">Trạng thái</th>
          <th scope="col">Thao tác</th>
        </tr>
      </thead>
      <tbody>
        {items.map((e) => (
          <tr data-export={e.id} data-status={e.status}>
            <td>{formatDateTime(e.created_at)}</td>
            <td>
              {formatClock(Date.parse(e.from))} – {formatClock(Date.parse(e.to))}
            </td>
            <td>{e.kind === "quick" ? "Trích xuất nhanh" : "Cần duyệt"}</td>
            <td role="status">
              {e.status === "pending" && (e.kind === "quick" || e.decided_at) && (
                <span class="spinner" aria-hidden="true" />
              )}
              {statusText(e)}
              {e.file_bytes > 0 && ` — ${formatBytes(e.file_bytes)}`}
            </td>
            <td class="actions">
              {e.status === "ready" && !e.downloaded_at && e.requested_by === me?.account_id && (
                <button type="button" onClick={() => void onSave(e)}>
                  Tải về
                </button>
              )}
              {approver && e.status === "pending" && !e.decided_at && e.requested_by !== me?.account_id && (
                <>
                  <button type="button" onClick={() => void onDecide(e, true)}>Duyệt</button>
                  <button type="button" onClick={() => void onDecide(e, false)}>Từ chối</button>
                </>
              )}
              {progress[e.id] && <span role="status">{progress[e.id]}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
