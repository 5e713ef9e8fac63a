// Needs registration (đăng ký nhu cầu kết nối camera năm sau, before 15 December): the needs
// each unit registered for a year, the units that have not yet, and a unit's registration
// (cameras per commune and site kind, budget note) by its operator or the province admin.
import { useEffect, useState } from "preact/hooks";
import { listNeeds, registerNeeds } from "../api";
import type { NeededCameras, NeedsOut, SiteKind } from "../api";
import { formatDateTime, formatNumber } from "../format";
import { SITE_KIND_TEXT } from "../labels";
import { ApiError, messageOf } from "../problems";
import { call, currentUser, may } from "../session";
import { describedBy, ErrorBox, Field, Loading } from "../ui";

interface Line {
  commune_code: string;
  site_kind: SiteKind;
  count: string;
  note: string;
}
const NEW_LINE: Line = { commune_code: "", site_kind: "committee_hq", count: "1", note: "" };

function LineFields({ i, line, set, error }: { i: number; line: Line; set: (l: Line) => void; error?: string }) {
  const id = (k: string) => `nd-${k}-${i}`;
  return (
    <fieldset class="need-line">
      <legend>Nhu cầu {i + 1}</legend>
      <Field id={id("commune")} label="Mã xã, phường" error={error}>
        <input
          id={id("commune")}
          value={line.commune_code}
          onInput={(e) => set({ ...line, commune_code: e.currentTarget.value })}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={describedBy(id("commune"), error)}
        />
      </Field>
      <Field id={id("kind")} label="Loại địa điểm">
        <select id={id("kind")} value={line.site_kind} onChange={(e) => set({ ...line, site_kind: e.currentTarget.value as SiteKind })}>
          {Object.entries(SITE_KIND_TEXT).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
      </Field>
      <Field id={id("count")} label="Số camera">
        <input id={id("count")} type="number" min="1" value={line.count} onInput={(e) => set({ ...line, count: e.currentTarget.value })} />
      </Field>
      <Field id={id("note")} label="Ghi chú">
        <input id={id("note")} value={line.note} onInput={(e) => set({ ...line, note: e.currentTarget.value })} />
      </Field>
    </fieldset>
  );
}

function RegisterForm({ year, onDone }: { year: number; onDone: (text: string) => void }) {
  const me = currentUser();
  const [unit, setUnit] = useState(me?.role === "province_admin" ? "" : (me?.unit_id ?? ""));
  const [lines, setLines] = useState<Line[]>([{ ...NEW_LINE }]);
  const [budget, setBudget] = useState("");
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    setFields({});
    const cameras: NeededCameras[] = lines
      .filter((l) => l.commune_code.trim())
      .map((l) => ({ commune_code: l.commune_code.trim(), site_kind: l.site_kind, count: Number(l.count), note: l.note }));
    try {
      const r = await call(() =>
        registerNeeds({ path: { unit_id: unit.trim(), year }, body: { cameras, sites: [], budget_note: budget } }),
      );
      onDone(
        `Đã đăng ký nhu cầu năm ${r.year} của ${r.unit_id}${r.on_time ? " (đúng hạn)" : " (sau hạn 15/12)"}.`,
      );
    } catch (e) {
      setError(messageOf(e));
      if (e instanceof ApiError) {
        const f = { ...e.fields };
        if (e.status === 404 || e.status === 403 || e.code.includes("unit")) f.unit_id = e.serverDetail || e.detail;
        if (e.code.includes("commune")) f.commune_code = e.serverDetail || e.detail;
        setFields(f);
      }
    }
  };
  return (
    <form class="panel grid-form" onSubmit={submit} noValidate aria-labelledby="needs-new-h">
      <h2 id="needs-new-h">Đăng ký nhu cầu năm {year}</h2>
      <ErrorBox text={error} />
      <Field id="nd-unit" label="Mã đơn vị" error={fields.unit_id} hint="Ví dụ commune-01.">
        <input
          id="nd-unit"
          value={unit}
          onInput={(e) => setUnit(e.currentTarget.value)}
          aria-invalid={fields.unit_id ? "true" : undefined}
          aria-describedby={describedBy("nd-unit", fields.unit_id, "hint")}
        />
      </Field>
      {lines.map((l, i) => (
        <LineFields i={i} line={l} error={fields.commune_code} set={(x) => setLines(lines.map((y, j) => (j === i ? x : y)))} />
      ))}
      <Field id="nd-budget" label="Nguồn kinh phí" error={fields.budget_note}>
        <input id="nd-budget" value={budget} onInput={(e) => setBudget(e.currentTarget.value)} />
      </Field>
      <button type="button" class="secondary" onClick={() => setLines([...lines, { ...NEW_LINE }])}>
        Thêm dòng
      </button>
      <button type="submit">Đăng ký</button>
    </form>
  );
}

export function NeedsPage() {
  const nextYear = Number(new Date().toISOString().slice(0, 4)) + 1;
  const [year, setYear] = useState(nextYear);
  const [items, setItems] = useState<NeedsOut[] | null>(null);
  const [missing, setMissing] = useState<string[]>([]);
  const [error, setError] = useState("");
  const [info, setInfo] = useState("");
  const [version, setVersion] = useState(0);
  const registers = may(["province_admin", "unit_operator"]);
  useEffect(() => {
    let live = true;
    setItems(null);
    call(() => listNeeds({ query: { year, page_size: 500 } })).then(
      (p) => {
        if (!live) return;
        setItems(p.items);
        setMissing(p.missing_unit_ids);
      },
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [year, version]);
  return (
    <main id="main" data-loaded={items ? "yes" : undefined}>
      <h1>Nhu cầu kết nối camera</h1>
      <p class="muted">Các đơn vị đăng ký nhu cầu kết nối camera của năm sau trước ngày 15 tháng 12.</p>
      <ErrorBox text={error} />
      {info && (
        <p class="alert info" role="status">
          {info}
        </p>
      )}
      <div class="filters">
        <label for="needs-year">Năm</label>
        <select id="needs-year" value={year} onChange={(e) => setYear(Number(e.currentTarget.value))}>
          {[nextYear, nextYear - 1, nextYear - 2].map((y) => (
            <option value={y}>{y}</option>
          ))}
        </select>
      </div>
      {!items && !error && <Loading />}
      {items && (
        <>
          <div class="table-wrap short" tabIndex={0} role="region" aria-label="Nhu cầu đã đăng ký">
            <table data-testid="needs">
              <caption>Đã đăng ký ({formatNumber(items.length)} đơn vị)</caption>
              <thead>
                <tr>
                  <th scope="col">Đơn vị</th>
                  <th scope="col">Camera cần kết nối</th>
                  <th scope="col">Nguồn kinh phí</th>
                  <th scope="col">Đăng ký lúc</th>
                  <th scope="col">Đúng hạn</th>
                </tr>
              </thead>
              <tbody>
                {items.map((n) => (
                  <tr data-unit={n.unit_id}>
                    <th scope="row">{n.unit_name || n.unit_id}</th>
                    <td>
                      {n.cameras.map((c) => (
                        <div>
                          Xã/phường {c.commune_code}, {SITE_KIND_TEXT[c.site_kind]}: {formatNumber(c.count)} camera
                          {c.note && ` (${c.note})`}
                        </div>
                      ))}
                    </td>
                    <td>{n.budget_note || "—"}</td>
                    <td>{formatDateTime(n.recorded_at)}</td>
                    <td>{n.on_time ? "Đúng hạn" : "Sau hạn"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {missing.length > 0 && (
            <section aria-labelledby="needs-missing-h">
              <h2 id="needs-missing-h">Chưa đăng ký ({formatNumber(missing.length)} đơn vị)</h2>
              <p class="missing-units" data-testid="needs-missing">
                {missing.join(", ")}
              </p>
            </section>
          )}
        </>
      )}
      {registers && (
        <RegisterForm
          year={year}
          onDone={(text) => {
            setInfo(text);
            setVersion(version + 1);
          }}
        />
      )}
    </main>
  );
}
