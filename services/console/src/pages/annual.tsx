// The annual report: for a year, per unit, its cameras, uptime, the duties done in time, its
// score and grade (the rules listed below the table); downloads as XLSX or PDF.
import { useEffect, useState } from "preact/hooks";
import { getAnnualReport } from "../api";
import type { AnnualReport, AnnualRow } from "../api";
import { FileButtons } from "../filebuttons";
import { formatDate, formatDateTime, formatNumber, formatPercent } from "../format";
import { messageOf } from "../problems";
import { call } from "../session";
import { ErrorBox, Loading } from "../ui";

const NEEDS_TEXT: Record<AnnualRow["needs"], string> = {
  on_time: "Đúng hạn",
  late: "Muộn",
  missing: "Chưa đăng ký",
};

function thisYear(): number {
  return new Date(Date.now() + 7 * 3_600_000).getUTCFullYear();
}

export function AnnualPage() {
  const [year, setYear] = useState(thisYear());
  const [report, setReport] = useState<AnnualReport | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    setReport(null);
    setError("");
    call(() => getAnnualReport({ query: { year } })).then(
      (r) => setReport(r as AnnualReport),
      (e: unknown) => setError(messageOf(e)),
    );
  }, [year]);
  const years = Array.from({ length: 5 }, (_, i) => thisYear() - i);
  return (
    <main id="main" data-loaded={report ? "yes" : "no"}>
      <h1>Báo cáo năm theo đơn vị</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label for="annual-year">Năm</label>
        <select id="annual-year" value={year} onChange={(e) => setYear(Number(e.currentTarget.value))}>
          {years.map((y) => (
            <option value={y}>{y}</option>
          ))}
        </select>
      </form>
      <ErrorBox text={error} />
      {!report && !error && <Loading text="Đang lập báo cáo năm…" />}
      {report && (
        <>
          <p class="generated">
            Từ {formatDate(report.period_from)} đến {formatDate(report.period_to)}; lập lúc{" "}
            {formatDateTime(report.generated_at)}
            {!report.outside_included && " (chưa đọc được sổ sự cố lộ lọt dữ liệu: các cột đó là 0)"}
          </p>
          <FileButtons path={`/api/v1/reports/annual?year=${year}`} name={`bao-cao-nam-${year}`}
            formats={["xlsx", "pdf"]} label="Tải báo cáo năm" />
          <div class="table-wrap" tabIndex={0} role="region" aria-label={`Báo cáo năm ${year}`}>
            <table data-testid="annual">
              <caption class="sr-only">Báo cáo năm {year}: điểm và xếp loại của từng đơn vị</caption>
              <thead>
                <tr>
                  <th scope="col">STT</th>
                  <th scope="col">Đơn vị</th>
                  <th scope="col">Camera</th>
                  <th scope="col">Có kết nối</th>
                  <th scope="col">Thời gian kết nối</th>
                  <th scope="col">Khắc phục trong 3 ngày làm việc</th>
                  <th scope="col">Bảo trì 6 tháng</th>
                  <th scope="col">Nhu cầu năm sau</th>
                  <th scope="col">Trích xuất (nhanh)</th>
                  <th scope="col">Điểm</th>
                  <th scope="col">Xếp loại</th>
                </tr>
              </thead>
              <tbody>
                {report.rows.map((r) => (
                  <tr data-unit={r.unit_id}>
                    <td>{r.number}</td>
                    <th scope="row">{r.unit_name}</th>
                    <td>{formatNumber(r.cameras)}</td>
                    <td>{formatNumber(r.connected)}</td>
                    <td>{r.cameras ? formatPercent(r.uptime) : "—"}</td>
                    <td>
                      {formatNumber(r.fixed_in_time)}/{formatNumber(r.incidents)}
                    </td>
                    <td>
                      {formatNumber(r.maintained)}/{formatNumber(r.cameras)}
                    </td>
                    <td>{NEEDS_TEXT[r.needs]}</td>
                    <td>
                      {formatNumber(r.extractions)} ({formatNumber(r.quick_extractions)})
                    </td>
                    <td class="score">{formatNumber(r.score)}</td>
                    <td class="grade">{r.grade}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Cách tính điểm</h2>
          <ul class="rules">
            {report.score_rules.map((s) => (
              <li>{s}</li>
            ))}
          </ul>
        </>
      )}
    </main>
  );
}
