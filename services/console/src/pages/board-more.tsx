// Beside the board's table: the report's sections II (the provincial public service center)
// and III (departments, sector operation centers), and a map view of the 92 communes coloured
// by state. The registry holds no boundaries or coordinates of the communes, so the map is a
// schematic (one square per commune in the report's order, drawn offline as SVG), never tiles.
import type { ReportCell, ReportRow, ReportUnitRow } from "../api";
import { COLUMNS } from "../fleet";
import { formatNumber } from "../format";

const CELL_CLASS: Record<string, string> = {
  "Có": "cell-ok",
  "Mất kết nối": "cell-lost",
  "Chưa kết nối": "cell-never",
  "": "cell-none",
};

function cellText(c: ReportCell): string {
  if (!c.cameras) return "Chưa có camera";
  return `${c.text}: ${formatNumber(c.connected + c.unstable)}/${formatNumber(c.cameras)} có kết nối`;
}

function UnitTable({ id, title, rows }: { id: string; title: string; rows: ReportUnitRow[] }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <p>Chưa có đơn vị nào.</p>
      ) : (
        <div class="table-wrap short" tabIndex={0} role="region" aria-label="Các đơn vị khác">
          <table class="report-units" data-testid={id}>
            <thead>
              <tr>
                <th scope="col">STT</th>
                <th scope="col">Đơn vị</th>
                <th scope="col">Camera</th>
                <th scope="col">Ghi chú</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr data-unit={r.unit_id}>
                  <td>{r.number}</td>
                  <th scope="row">{r.unit_name}</th>
                  <td class={`cell ${CELL_CLASS[r.cameras.text] ?? ""}`} data-state={r.cameras.text || "none"}>
                    {cellText(r.cameras)}
                  </td>
                  <td class="note">{r.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function UnitSections({ serviceCenters, departments }: { serviceCenters: ReportUnitRow[]; departments: ReportUnitRow[] }) {
  return (
    <>
      <UnitTable id="section-ii" title="II. Trung tâm Phục vụ hành chính công tỉnh" rows={serviceCenters} />
      <UnitTable id="section-iii" title="III. Các sở, ban, ngành và trung tâm điều hành chuyên ngành" rows={departments} />
    </>
  );
}

type MapState = "ok" | "lost" | "never" | "none";
const MAP_TEXT: Record<MapState, string> = {
  ok: "Có kết nối",
  lost: "Có camera mất kết nối",
  never: "Có camera chưa kết nối",
  none: "Chưa có camera",
};

/** A commune's state on the map: its worst cell. */
export function communeState(row: ReportRow): MapState {
  const cells = COLUMNS.map((c) => row[c.key]);
  if (cells.some((c) => c.lost > 0)) return "lost";
  if (cells.some((c) => c.never > 0)) return "never";
  if (cells.some((c) => c.cameras > 0)) return "ok";
  return "none";
}

const PER_ROW = 12;
const SIDE = 60;
const GAP = 6;

export function BoardMap({ rows }: { rows: ReportRow[] }) {
  const lines = Math.ceil(rows.length / PER_ROW);
  const width = PER_ROW * (SIDE + GAP);
  const height = lines * (SIDE + GAP);
  const counts = new Map<MapState, number>();
  for (const r of rows) counts.set(communeState(r), (counts.get(communeState(r)) ?? 0) + 1);
  return (
    <figure class="board-map" data-testid="board-map">
      <svg viewBox={`0 0 ${width} ${height}`} role="group" aria-label="Sơ đồ các xã, phường theo tình trạng kết nối">
        {rows.map((r, i) => {
          const x = (i % PER_ROW) * (SIDE + GAP);
          const y = Math.floor(i / PER_ROW) * (SIDE + GAP);
          const state = communeState(r);
          const label = `${r.commune_code}. ${r.commune_name}: ${MAP_TEXT[state]}`;
          return (
            <a href={`#/camera?xa=${encodeURIComponent(r.commune_code)}`} aria-label={label} data-commune={r.commune_code} data-state={state}>
              <title>{label}</title>
              <rect class={`map-${state}`} x={x} y={y} width={SIDE} height={SIDE} rx="4" />
              <text x={x + SIDE / 2} y={y + SIDE / 2 + 6} text-anchor="middle" aria-hidden="true">
                {r.commune_code}
              </text>
            </a>
          );
        })}
      </svg>
      <figcaption>
        <ul class="map-legend">
          {(Object.keys(MAP_TEXT) as MapState[]).map((s) => (
            <li>
              <span class={`swatch map-${s}`} aria-hidden="true" />
              {MAP_TEXT[s]}: {formatNumber(counts.get(s) ?? 0)}
            </li>
          ))}
        </ul>
        <small class="muted">
          Sơ đồ ô theo số thứ tự xã, phường (chưa có tọa độ ranh giới); chọn một ô để xem camera của xã, phường đó.
        </small>
      </figcaption>
    </figure>
  );
}
