// The board's figures: the province's connection report for the roles that may read it; for
// a unit or a sector, the same rows and totals computed from the cameras it may see.
import { getConnectionReport, listCameras } from "./api";
import type { CameraOut, ConnectionReport, ReportCell, ReportRow, ReportUnitRow, SiteKind } from "./api";
import { call, may } from "./session";

export const COLUMNS = [
  { key: "service_center", short: "TTPVHCC", header: "Camera TTPVHCC" },
  { key: "committee_hq", short: "Trụ sở UBND", header: "Camera trụ sở UBND" },
  {
    key: "square",
    short: "Quảng trường, khu vực công cộng",
    header: "Camera quảng trường / khu vực công cộng",
  },
] as const;
export type ColumnKey = (typeof COLUMNS)[number]["key"];

const COLUMN_OF: Partial<Record<SiteKind, ColumnKey>> = {
  service_center: "service_center",
  committee_hq: "committee_hq",
  square: "square",
  public_place: "square",
};
const APP = "C_Thai Nguyen";

export interface Board {
  rows: ReportRow[];
  totals: string[];
  /** commune code -> the columns with a camera of poor picture */
  poor: Map<string, Set<ColumnKey>>;
  generatedAt: string;
  fromReport: boolean;
  /** The report's sections II (provincial service center) and III (departments, sector centers). */
  serviceCenters?: ReportUnitRow[];
  departments?: ReportUnitRow[];
}

/** Every camera the caller may see, page after page. */
export async function allCameras(query: { commune_code?: string[] } = {}): Promise<CameraOut[]> {
  const out: CameraOut[] = [];
  let token = "";
  do {
    const page = await call(() =>
      listCameras({ query: { ...query, page_size: 500, page_token: token } }),
    );
    out.push(...page.items);
    token = page.next_page_token ?? "";
  } while (token);
  return out;
}

function emptyCell(): ReportCell {
  return { text: "", cameras: 0, connected: 0, lost: 0, never: 0, unstable: 0, parts: [] };
}

function finish(cell: ReportCell): void {
  if (!cell.cameras) cell.text = "";
  else if (cell.connected + cell.unstable === cell.cameras) cell.text = "Có";
  else if (cell.never === cell.cameras) cell.text = "Chưa kết nối";
  else cell.text = "Mất kết nối";
}

export function totalLines(rows: ReportRow[]): string[] {
  const lines: string[] = [];
  for (const col of COLUMNS) {
    const cells = rows.map((r) => r[col.key]);
    const sum = (f: (c: ReportCell) => number) => cells.reduce((n, c) => n + f(c), 0);
    lines.push(
      `Tổng số Camera ${col.short} Có kết nối lên ${APP}: ${sum((c) => c.connected + c.unstable)}`,
      `Tổng số Camera ${col.short} Mất kết nối lên ${APP}: ${sum((c) => c.lost)}`,
      `Tổng số Camera ${col.short} Chưa kết nối lên ${APP}: ${sum((c) => c.never)}`,
      `Tổng số Camera ${col.short} Kết nối không ổn định lên ${APP}: ${sum((c) => c.unstable)}`,
    );
  }
  return lines;
}

/** Rows of the communes the cameras are in, counted like the registry's report. */
export function rowsOf(cameras: CameraOut[]): { rows: ReportRow[]; poor: Board["poor"] } {
  const byCode = new Map<string, ReportRow>();
  const poor: Board["poor"] = new Map();
  for (const cam of cameras) {
    const key = COLUMN_OF[cam.site_kind];
    if (!key || !cam.active) continue;
    let row = byCode.get(cam.commune_code);
    if (!row) {
      row = {
        number: 0,
        commune_code: cam.commune_code,
        commune_name: cam.commune_name,
        service_center: emptyCell(),
        committee_hq: emptyCell(),
        square: emptyCell(),
        note: "",
        generated_note: "",
        note_at: null,
        note_by: "",
      };
      byCode.set(cam.commune_code, row);
    }
    const cell = row[key];
    cell.cameras += 1;
    if (cam.state === "connected") cell.connected += 1;
    else if (cam.state === "unstable") cell.unstable += 1;
    else if (cam.state === "lost_connection") cell.lost += 1;
    else cell.never += 1;
    if (cam.quality?.verdict === "poor") {
      const marks = poor.get(cam.commune_code) ?? new Set<ColumnKey>();
      marks.add(key);
      poor.set(cam.commune_code, marks);
    }
  }
  const rows = [...byCode.values()].sort((a, b) => a.commune_code.localeCompare(b.commune_code));
  rows.forEach((r, i) => {
    r.number = i + 1;
    for (const col of COLUMNS) finish(r[col.key]);
  });
  return { rows, poor };
}

function poorOf(report: ConnectionReport): Board["poor"] {
  const poor: Board["poor"] = new Map();
  for (const q of report.quality ?? []) {
    const key = COLUMN_OF[q.site_kind];
    if (!key) continue;
    const marks = poor.get(q.commune_code) ?? new Set<ColumnKey>();
    marks.add(key);
    poor.set(q.commune_code, marks);
  }
  return poor;
}

export async function loadBoard(): Promise<Board> {
  if (may(["province_admin", "app_client"])) {
    const report = await call(() => getConnectionReport({ query: { format: "json" } }));
    return {
      rows: report.rows,
      totals: report.totals,
      poor: poorOf(report),
      generatedAt: report.generated_at,
      fromReport: true,
      serviceCenters: report.service_centers,
      departments: report.departments,
    };
  }
  const { rows, poor } = rowsOf(await allCameras());
  return {
    rows,
    totals: totalLines(rows),
    poor,
    generatedAt: new Date().toISOString(),
    fromReport: false,
  };
}
