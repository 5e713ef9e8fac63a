// The connection report (the appendix's table, its totals and sections II and III) as of now
// or as of a past instant, and its downloads (XLSX, CSV, PDF) with their progress.
import { useEffect, useState } from "preact/hooks";
import { getConnectionReport } from "../api";
import type { ConnectionReport, ReportCell } from "../api";
import { FileButtons } from "../filebuttons";
import { COLUMNS } from "../fleet";
import { formatDateTime, formatNumber } from "../format";
import { ApiError, messageOf } from "../problems";
import { call, may } from "../session";
import { ErrorBox, Field, Loading, describedBy } from "../ui";
import { UnitSections } from "./board-more";

/** A `datetime-local` value read as Vietnam's time → ISO instant. */
function vietnamInstant(local: string): string {
  return new Date(Date.parse(`${local}${local.length === 16 ? ":00" : ""}+07:00`)).toISOString();
}

function cellClass(c: ReportCell): string {
  if (!c.cameras) return "cell cell-none";
  if (c.lost) return "cell cell-lost";
  if (c.never) return "cell cell-never";
  return "cell cell-ok";
}

function Cell({ c }: { c: ReportCell }) {
  return (
    <td class={cellClass(c)}>
      <span class="cell-text">{c.text || "—"}</span>
      {c.cameras > 0 && (
        <span class="cell-detail">
          {formatNumber(c.connected)}/{formatNumber(c.cameras)} có kết nối
        </span>
      )}
    </td>
  );
}

export function ReportsPage() {
  const [asOf, setAsOf] = useState("");
  const [shown, setShown] = useState("");
  const [report, setReport] = useState<ConnectionReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);

  const load = (local: string) => {
    setLoading(true);
    setError(null);
    const query = local ? { as_of: vietnamInstant(local) } : {};
    call(() => getConnectionReport({ query })).then(
      (r) => {
        setReport(r as ConnectionReport);
        setShown(local);
        setLoading(false);
      },
      (e: unknown) => {
        setError(e instanceof ApiError ? e : new ApiError(0, "network", messageOf(e)));
        setLoading(false);
      },
    );
  };
  useEffect(() => load(""), []);

  const fieldError =
    error?.fields.as_of ??
    (error?.code.endsWith("as_of_future")
      ? "Thời điểm báo cáo phải ở trong quá khứ."
      : error?.code.includes("as_of")
        ? error.detail
        : "");
  const path = `/api/v1/reports/connection-status${
    shown ? `?as_of=${encodeURIComponent(vietnamInstant(shown))}` : ""
  }`;
  return (
    <main id="main" data-loaded={report ? "yes" : "no"}>
      <h1>Báo cáo tình trạng kết nối camera</h1>
      <form class="filters" onSubmit={(e) => {
          e.preventDefault();
          load(asOf);
        }}>
        <Field id="rep-as-of" label="Tại thời điểm (giờ Việt Nam; để trống: hiện tại)"
          error={fieldError || undefined}>
          <input id="rep-as-of" type="datetime-local" step={1} value={asOf}
            aria-describedby={describedBy("rep-as-of", fieldError || undefined)}
            onInput={(e) => setAsOf(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={loading}>Xem báo cáo</button>
      </form>
      <ErrorBox text={error && !fieldError ? error.detail : ""} />
      {loading && <Loading text="Đang lập báo cáo…" />}
      {report && (
        <>
          <p class="generated">
            {report.as_of
              ? `Tình trạng tại ${formatDateTime(report.as_of)}`
              : `Lập lúc ${formatDateTime(report.generated_at)}`}
          </p>
          <FileButtons path={path} name="bao-cao-ket-noi" formats={["xlsx", "csv", "pdf"]}
            label="Tải báo cáo" />
          <ul class="totals" data-testid="report-totals">
            {report.totals.map((t) => (
              <li>{t}</li>
            ))}
          </ul>
          {may(["province_admin", "unit_operator", "unit_viewer"]) && (
            <p>
              <a href="#/bao-cao-nam">Báo cáo năm theo đơn vị, điểm và xếp loại</a>
            </p>
          )}
          <h2 id="rep-communes">I. Các xã, phường</h2>
          <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="rep-communes">
            <table class="board" data-testid="report-rows">
              <caption class="sr-only">Tình trạng kết nối camera theo xã, phường</caption>
              <thead>
                <tr>
                  <th scope="col">STT</th>
                  <th scope="col">Xã, phường</th>
                  {COLUMNS.map((c) => (
                    <th scope="col">{c.header}</th>
                  ))}
                  <th scope="col">Ghi chú</th>
                </tr>
              </thead>
              <tbody>
                {report.rows.map((r) => (
                  <tr data-commune={r.commune_code}>
                    <td>{r.number}</td>
                    <th scope="row">{r.commune_name}</th>
                    {COLUMNS.map((c) => (
                      <Cell c={r[c.key]} />
                    ))}
                    <td>{r.note}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <UnitSections serviceCenters={report.service_centers} departments={report.departments} />
        </>
      )}
    </main>
  );
}
