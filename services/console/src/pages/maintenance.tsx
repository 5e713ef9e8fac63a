// Maintenance (bảo trì định kỳ 6 tháng): the visits recorded per camera or unit, newest first,
// the schedule (cameras whose six-month maintenance is overdue or due within 60 days), and a
// visit recorded by the province admin or the owning unit's operator.
import { useEffect, useState } from "preact/hooks";
import { listDeadlines, listMaintenance, recordMaintenance } from "../api";
import type { DeadlineOut, MaintenanceOut } from "../api";
import { formatDate, formatDateTime, formatNumber } from "../format";
import { ApiError, messageOf } from "../problems";
import { compact, vietnamToday } from "../records";
import { call, may } from "../session";
import { describedBy, ErrorBox, Field, Loading } from "../ui";

function RecordForm({ camera, onDone }: { camera: string; onDone: (text: string) => void }) {
  const [cameraId, setCameraId] = useState(camera);
  const [doneOn, setDoneOn] = useState(vietnamToday());
  const [note, setNote] = useState("");
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  useEffect(() => setCameraId(camera), [camera]);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    setFields({});
    if (!cameraId.trim()) {
      setFields({ camera_id: "Bắt buộc nhập." });
      setError("Dữ liệu nhập chưa hợp lệ, xem ghi chú bên cạnh từng ô.");
      return;
    }
    try {
      const path = { camera_id: cameraId.trim() };
      await call(() => recordMaintenance({ path, body: { done_on: doneOn || null, note } }));
      setNote("");
      onDone(`Đã ghi nhận bảo trì camera ${cameraId.trim()} ngày ${formatDate(doneOn)}.`);
    } catch (e) {
      setError(messageOf(e));
      if (e instanceof ApiError) {
        const f = { ...e.fields };
        if (e.code.includes("future_date")) f.done_on = "Ngày bảo trì không được ở tương lai.";
        if (e.status === 404) f.camera_id = "Không có camera này trong phạm vi của bạn.";
        setFields(f);
      }
    }
  };
  const box = (id: string, name: string, value: string, set: (v: string) => void, type = "text") => (
    <input
      id={id}
      type={type}
      value={value}
      onInput={(e) => set(e.currentTarget.value)}
      aria-invalid={fields[name] ? "true" : undefined}
      aria-describedby={describedBy(id, fields[name])}
    />
  );
  return (
    <form class="panel grid-form" onSubmit={submit} noValidate aria-labelledby="maint-new-h">
      <h2 id="maint-new-h">Ghi nhận bảo trì</h2>
      <ErrorBox text={error} />
      <Field id="m-camera" label="Mã camera" error={fields.camera_id}>
        {box("m-camera", "camera_id", cameraId, setCameraId)}
      </Field>
      <Field id="m-done" label="Ngày bảo trì" error={fields.done_on}>
        {box("m-done", "done_on", doneOn, setDoneOn, "date")}
      </Field>
      <Field id="m-note" label="Nội dung" error={fields.note}>
        {box("m-note", "note", note, setNote)}
      </Field>
      <button type="submit">Ghi nhận</button>
    </form>
  );
}

export function MaintenancePage() {
  const [camera, setCamera] = useState("");
  const [unit, setUnit] = useState("");
  const [filter, setFilter] = useState({ camera_id: "", unit_id: "" });
  const [items, setItems] = useState<MaintenanceOut[] | null>(null);
  const [due, setDue] = useState<DeadlineOut[] | null>(null);
  const [error, setError] = useState("");
  const [info, setInfo] = useState("");
  const [version, setVersion] = useState(0);
  const records = may(["province_admin", "unit_operator"]);
  useEffect(() => {
    let live = true;
    setError("");
    Promise.all([
      call(() => listMaintenance({ query: { ...compact(filter), page_size: 200 } })),
      call(() =>
        listDeadlines({ query: { ...compact({ unit_id: filter.unit_id }), kind: ["maintenance"], upcoming_days: 60, page_size: 200 } }),
      ),
    ]).then(
      ([m, d]) => {
        if (!live) return;
        setItems(m.items);
        setDue(d.items.filter((x) => !filter.camera_id || x.camera_id === filter.camera_id));
      },
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [filter, version]);
  return (
    <main id="main" data-loaded={items && due ? "yes" : undefined}>
      <h1>Bảo trì camera</h1>
      <p class="muted">Mỗi camera được bảo trì định kỳ 6 tháng một lần.</p>
      <ErrorBox text={error} />
      {info && (
        <p class="alert info" role="status">
          {info}
        </p>
      )}
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter({ camera_id: camera.trim(), unit_id: unit.trim() });
        }}
      >
        <label for="mf-camera">Mã camera</label>
        <input id="mf-camera" value={camera} onInput={(e) => setCamera(e.currentTarget.value)} />
        <label for="mf-unit">Mã đơn vị</label>
        <input id="mf-unit" value={unit} onInput={(e) => setUnit(e.currentTarget.value)} />
        <button type="submit">Lọc</button>
      </form>
      <section aria-labelledby="maint-due-h">
        <h2 id="maint-due-h">Lịch bảo trì: quá hạn và đến hạn trong 60 ngày</h2>
        {!due && !error && <Loading />}
        {due && due.length === 0 && <p>Không có camera nào đến hạn bảo trì.</p>}
        {due && due.length > 0 && (
          <div class="table-wrap short" tabIndex={0} role="region" aria-label="Lịch bảo trì">
            <table data-testid="maintenance-due">
              <caption class="sr-only">Lịch bảo trì</caption>
              <thead>
                <tr>
                  <th scope="col">Camera</th>
                  <th scope="col">Đơn vị</th>
                  <th scope="col">Hạn bảo trì</th>
                  <th scope="col">Tình trạng</th>
                </tr>
              </thead>
              <tbody>
                {due.map((d) => (
                  <tr class={d.days_overdue > 0 ? "overdue" : ""}>
                    <th scope="row">{d.camera_id || "—"}</th>
                    <td>{d.owner_unit_id}</td>
                    <td>{formatDate(d.due_on)}</td>
                    <td>
                      {d.days_overdue > 0
                        ? `Quá hạn ${formatNumber(d.days_overdue)} ngày`
                        : `Còn ${formatNumber(d.days_until)} ngày`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="maint-log-h">
        <h2 id="maint-log-h">Nhật ký bảo trì</h2>
        {items && items.length === 0 && <p>Chưa có lần bảo trì nào được ghi nhận.</p>}
        {items && items.length > 0 && (
          <div class="table-wrap short" tabIndex={0} role="region" aria-label="Các lần bảo trì">
            <table data-testid="maintenance">
              <caption class="sr-only">Nhật ký bảo trì, mới nhất trước</caption>
              <thead>
                <tr>
                  <th scope="col">Ngày bảo trì</th>
                  <th scope="col">Camera</th>
                  <th scope="col">Đơn vị</th>
                  <th scope="col">Nội dung</th>
                  <th scope="col">Người ghi</th>
                  <th scope="col">Ghi lúc</th>
                </tr>
              </thead>
              <tbody>
                {items.map((m) => (
                  <tr>
                    <td>{formatDate(m.done_on)}</td>
                    <th scope="row">{m.camera_id}</th>
                    <td>{m.owner_unit_id}</td>
                    <td>{m.note || "—"}</td>
                    <td>{m.recorded_by}</td>
                    <td>{formatDateTime(m.recorded_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {records && (
        <RecordForm
          camera={filter.camera_id}
          onDone={(text) => {
            setInfo(text);
            setVersion(version + 1);
          }}
        />
      )}
    </main>
  );
}
