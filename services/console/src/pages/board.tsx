// The province board: the communes × (service center, committee HQ, square / public place),
// each cell coloured by its state as the appendix words it, the appendix's totals, filters,
// marks for unstable and poor pictures; a commune's name opens its cameras.
import { useEffect, useMemo, useState } from "preact/hooks";
import { COLUMNS, loadBoard } from "../fleet";
import type { Board, ColumnKey } from "../fleet";
import type { ReportCell, ReportRow } from "../api";
import { formatDateTime, formatNumber } from "../format";
import { messageOf } from "../problems";
import { ErrorBox, Loading } from "../ui";
import { BoardMap, UnitSections } from "./board-more";

type Filter = "all" | "lost" | "never" | "done" | "unstable" | "poor";
const FILTERS: Record<Filter, string> = {
  all: "Tất cả xã, phường",
  lost: "Có camera mất kết nối",
  never: "Có camera chưa kết nối",
  done: "Đã hoàn thành kết nối",
  unstable: "Kết nối không ổn định",
  poor: "Có camera hình ảnh kém",
};

const CELL_CLASS: Record<string, string> = {
  "Có": "cell-ok",
  "Mất kết nối": "cell-lost",
  "Chưa kết nối": "cell-never",
  "": "cell-none",
};

function matches(row: ReportRow, filter: Filter, poor: Board["poor"]): boolean {
  const cells = COLUMNS.map((c) => row[c.key]);
  switch (filter) {
    case "lost":
      return cells.some((c) => c.lost > 0);
    case "never":
      return cells.some((c) => c.never > 0);
    case "done":
      return cells.some((c) => c.cameras > 0) && cells.every((c) => c.text !== "Mất kết nối" && c.text !== "Chưa kết nối");
    case "unstable":
      return cells.some((c) => c.unstable > 0);
    case "poor":
      return poor.has(row.commune_code);
    default:
      return true;
  }
}

function Cell({ cell, poor, label }: { cell: ReportCell; poor: boolean; label: string }) {
  const text = cell.text || "—";
  const detail = cell.cameras
    ? `${formatNumber(cell.connected + cell.unstable)}/${formatNumber(cell.cameras)} có kết nối`
    : "";
  return (
    <td class={`cell ${CELL_CLASS[cell.text] ?? ""}`} data-state={cell.text || "none"}>
      <span class="cell-text" aria-hidden={cell.text ? undefined : "true"}>
        {text}
      </span>
      {!cell.text && <span class="sr-only">Chưa có camera</span>}
      {detail && <span class="cell-detail">{detail}</span>}
      {cell.unstable > 0 && (
        <span class="mark mark-unstable" title={`${label}: kết nối không ổn định`}>
          ⚡ {formatNumber(cell.unstable)} không ổn định
        </span>
      )}
      {poor && (
        <span class="mark mark-poor" title={`${label}: có camera hình ảnh kém`}>
          ◐ hình ảnh kém
        </span>
      )}
    </td>
  );
}

export function BoardPage() {
  const [board, setBoard] = useState<Board | null>(null);
  const [error, setError] = useState("");
  const [text, setText] = useState("");
  const [filter, setFilter] = useState<Filter>("all");
  const [asMap, setAsMap] = useState(false);

  useEffect(() => {
    let live = true;
    const load = () =>
      loadBoard().then(
        (b) => live && (setBoard(b), setError("")),
        (e: unknown) => live && setError(messageOf(e)),
      );
    void load();
    const timer = setInterval(load, 5000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);

  const rows = useMemo(() => {
    if (!board) return [];
    const needle = text.trim().toLocaleLowerCase("vi");
    return board.rows.filter(
      (r) =>
        (!needle || r.commune_name.toLocaleLowerCase("vi").includes(needle)) &&
        matches(r, filter, board.poor),
    );
  }, [board, text, filter]);

  const fleet = useMemo(() => {
    const cells = board ? board.rows.flatMap((r) => COLUMNS.map((c) => r[c.key])) : [];
    const sum = (f: (c: ReportCell) => number) => cells.reduce((n, c) => n + f(c), 0);
    return {
      cameras: sum((c) => c.cameras),
      connected: sum((c) => c.connected),
      lost: sum((c) => c.lost),
      never: sum((c) => c.never),
      unstable: sum((c) => c.unstable),
    };
  }, [board]);

  return (
    <main id="main">
      <h1>Bảng tình trạng kết nối camera</h1>
      <ErrorBox text={error} />
      {!board && !error && <Loading />}
      {board && (
        <>
          <p class="generated">
            Số liệu lúc {formatDateTime(board.generatedAt)}
            {board.fromReport ? " (báo cáo của toàn tỉnh)" : " (camera thuộc phạm vi của bạn)"}
          </p>
          <ul class="summary" aria-label="Tổng hợp theo trạng thái">
            <li class="sum-all">
              <strong data-testid="sum-cameras">{formatNumber(fleet.cameras)}</strong> camera
            </li>
            <li class="sum-ok">
              <strong data-testid="sum-connected">{formatNumber(fleet.connected)}</strong> có kết nối
            </li>
            <li class="sum-lost">
              <strong data-testid="sum-lost">{formatNumber(fleet.lost)}</strong> mất kết nối
            </li>
            <li class="sum-never">
              <strong data-testid="sum-never">{formatNumber(fleet.never)}</strong> chưa kết nối
            </li>
            <li class="sum-unstable">
              <strong data-testid="sum-unstable">{formatNumber(fleet.unstable)}</strong> không ổn định
            </li>
          </ul>
          <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
            <label for="board-text">Tìm xã, phường</label>
            <input
              id="board-text"
              type="search"
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
            />
            <label for="board-filter">Lọc</label>
            <select
              id="board-filter"
              value={filter}
              onChange={(e) => setFilter(e.currentTarget.value as Filter)}
            >
              {Object.entries(FILTERS).map(([k, v]) => (
                <option value={k}>{v}</option>
              ))}
            </select>
            <fieldset class="view-switch">
              <legend class="sr-only">Cách xem</legend>
              <label class="check">
                <input type="radio" name="board-view" checked={!asMap} onChange={() => setAsMap(false)} />
                Bảng
              </label>
              <label class="check">
                <input type="radio" name="board-view" checked={asMap} onChange={() => setAsMap(true)} />
                Sơ đồ
              </label>
            </fieldset>
            <span role="status" aria-live="polite">
              {formatNumber(rows.length)} / {formatNumber(board.rows.length)} xã, phường
            </span>
          </form>
          {asMap && <BoardMap rows={rows} />}
          <div class="table-wrap" hidden={asMap} tabIndex={0} role="region" aria-label="Bảng trạng thái 92 xã, phường">
            <table class="board">
              <caption class="sr-only">
                Tình trạng kết nối camera theo xã, phường và loại địa điểm
              </caption>
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
                {rows.map((r) => (
                  <tr data-commune={r.commune_code}>
                    <td>{r.number}</td>
                    <th scope="row">
                      <a href={`#/camera?xa=${encodeURIComponent(r.commune_code)}`}>
                        {r.commune_name}
                      </a>
                    </th>
                    {COLUMNS.map((c) => (
                      <Cell
                        cell={r[c.key]}
                        label={c.header}
                        poor={board.poor.get(r.commune_code)?.has(c.key as ColumnKey) ?? false}
                      />
                    ))}
                    <td class="note">{r.note || r.generated_note}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {board.fromReport && (
            <UnitSections serviceCenters={board.serviceCenters ?? []} departments={board.departments ?? []} />
          )}
          <section aria-labelledby="totals-title">
            <h2 id="totals-title">Tổng hợp</h2>
            <ul class="totals" data-testid="totals">
              {board.totals.map((line) => (
                <li>{line}</li>
              ))}
            </ul>
          </section>
        </>
      )}
    </main>
  );
}
