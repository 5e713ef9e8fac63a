// The breach register (sổ sự cố lộ lọt dữ liệu cá nhân): every breach with its 72-hour notice
// deadline and the written notices sent so far; the province admin records a breach and its
// notices (to the provincial police and the Department of Science and Technology), the
// auditor reviews.
import { useEffect, useState } from "preact/hooks";
import { listBreaches, recordBreach, recordBreachNotice } from "../api";
import type { BreachOut, BreachStatus, Recipient } from "../api";
import { formatDateTime } from "../format";
import { ApiError, messageOf } from "../problems";
import { vietnamInstant, vietnamLocal } from "../records";
import { call, may } from "../session";
import { describedBy, ErrorBox, Field, Loading } from "../ui";

const STATUS_TEXT: Record<BreachStatus, string> = {
  open: "Chưa gửi đủ thông báo",
  overdue: "Quá hạn 72 giờ",
  notified: "Đã thông báo đủ",
};
const RECIPIENT_TEXT: Record<Recipient, string> = {
  provincial_police: "Công an tỉnh",
  dost: "Sở Khoa học và Công nghệ",
};

/** The API's problem next to the field it names; codes about dates go to the date field. */
function fieldsOf(e: unknown, dateField: string): Record<string, string> {
  if (!(e instanceof ApiError)) return {};
  const f = { ...e.fields };
  if (e.code.includes("future") || e.code.includes("before")) f[dateField] = e.serverDetail || e.detail;
  return f;
}

function input(id: string, value: string, set: (v: string) => void, error?: string, type = "text") {
  return (
    <input
      id={id}
      type={type}
      value={value}
      onInput={(e) => set(e.currentTarget.value)}
      aria-invalid={error ? "true" : undefined}
      aria-describedby={describedBy(id, error)}
    />
  );
}

function RecordForm({ onDone }: { onDone: () => void }) {
  const [title, setTitle] = useState("");
  const [scope, setScope] = useState("");
  const [description, setDescription] = useState("");
  const [detected, setDetected] = useState(vietnamLocal());
  const [units, setUnits] = useState("");
  const [cameras, setCameras] = useState("");
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    setFields({});
    const list = (s: string) => s.split(/[\s,;]+/).filter(Boolean);
    const body = {
      title,
      scope,
      description,
      detected_at: vietnamInstant(detected),
      unit_ids: list(units),
      camera_ids: list(cameras),
    };
    try {
      await call(() => recordBreach({ body }));
      setTitle("");
      setScope("");
      setDescription("");
      onDone();
    } catch (e) {
      setError(messageOf(e));
      setFields(fieldsOf(e, "detected_at"));
    }
  };
  return (
    <form class="panel grid-form" onSubmit={submit} noValidate aria-labelledby="breach-new-h">
      <h2 id="breach-new-h">Ghi sổ sự cố lộ lọt dữ liệu</h2>
      <ErrorBox text={error} />
      <Field id="b-title" label="Tên sự cố" error={fields.title}>
        {input("b-title", title, setTitle, fields.title)}
      </Field>
      <Field id="b-scope" label="Phạm vi dữ liệu bị ảnh hưởng" error={fields.scope}>
        {input("b-scope", scope, setScope, fields.scope)}
      </Field>
      <Field id="b-detected" label="Phát hiện lúc (giờ Việt Nam)" error={fields.detected_at}>
        {input("b-detected", detected, setDetected, fields.detected_at, "datetime-local")}
      </Field>
      <Field id="b-units" label="Đơn vị liên quan (mã, cách nhau bởi dấu phẩy)" error={fields.unit_ids}>
        {input("b-units", units, setUnits, fields.unit_ids)}
      </Field>
      <Field id="b-cameras" label="Camera liên quan (mã, cách nhau bởi dấu phẩy)" error={fields.camera_ids}>
        {input("b-cameras", cameras, setCameras, fields.camera_ids)}
      </Field>
      <Field id="b-description" label="Mô tả" error={fields.description}>
        {input("b-description", description, setDescription, fields.description)}
      </Field>
      <button type="submit">Ghi sổ</button>
    </form>
  );
}

function NoticeForm({ breach, onDone }: { breach: BreachOut; onDone: () => void }) {
  const [recipient, setRecipient] = useState<Recipient>(breach.missing_notices[0] ?? "provincial_police");
  const [number, setNumber] = useState("");
  const [channel, setChannel] = useState("");
  const [sent, setSent] = useState(vietnamLocal());
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    setFields({});
    const body = { recipient, document_number: number, channel, sent_at: vietnamInstant(sent) };
    try {
      await call(() => recordBreachNotice({ path: { breach_id: breach.id }, body }));
      onDone();
    } catch (e) {
      setError(messageOf(e));
      setFields(fieldsOf(e, "sent_at"));
    }
  };
  return (
    <form class="panel grid-form" onSubmit={submit} noValidate aria-labelledby="notice-h">
      <h3 id="notice-h">Văn bản thông báo sự cố: {breach.title}</h3>
      <ErrorBox text={error} />
      <Field id="n-recipient" label="Nơi nhận" error={fields.recipient}>
        <select id="n-recipient" value={recipient} onChange={(e) => setRecipient(e.currentTarget.value as Recipient)}>
          {Object.entries(RECIPIENT_TEXT).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
      </Field>
      <Field id="n-number" label="Số văn bản" error={fields.document_number}>
        {input("n-number", number, setNumber, fields.document_number)}
      </Field>
      <Field id="n-channel" label="Hình thức gửi" error={fields.channel}>
        {input("n-channel", channel, setChannel, fields.channel)}
      </Field>
      <Field id="n-sent" label="Gửi lúc (giờ Việt Nam)" error={fields.sent_at}>
        {input("n-sent", sent, setSent, fields.sent_at, "datetime-local")}
      </Field>
      <button type="submit">Ghi văn bản thông báo</button>
    </form>
  );
}

export function BreachesPage() {
  const [items, setItems] = useState<BreachOut[] | null>(null);
  const [status, setStatus] = useState<BreachStatus | "">("");
  const [noticing, setNoticing] = useState<BreachOut | null>(null);
  const [error, setError] = useState("");
  const [version, setVersion] = useState(0);
  const records = may(["province_admin"]);
  useEffect(() => {
    let live = true;
    const query = { status: status || undefined, page_size: 200 };
    call(() => listBreaches({ query })).then(
      (page) => live && setItems(page.items),
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [status, version]);
  const done = () => {
    setNoticing(null);
    setVersion(version + 1);
  };
  return (
    <main id="main" data-loaded={items ? "yes" : undefined}>
      <h1>Sổ sự cố lộ lọt dữ liệu cá nhân</h1>
      <p class="muted">Thông báo bằng văn bản cho Công an tỉnh và Sở Khoa học và Công nghệ trong 72 giờ kể từ khi phát hiện.</p>
      <ErrorBox text={error} />
      <div class="filters">
        <label for="breach-status">Tình trạng</label>
        <select id="breach-status" value={status} onChange={(e) => setStatus(e.currentTarget.value as BreachStatus)}>
          <option value="">Tất cả</option>
          {Object.entries(STATUS_TEXT).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
      </div>
      {!items && !error && <Loading />}
      {items && items.length === 0 && <p>Chưa có sự cố nào trong sổ.</p>}
      {items && items.length > 0 && (
        <div class="table-wrap short" tabIndex={0} role="region" aria-label="Sổ sự cố lộ lọt">
          <table data-testid="breaches">
            <caption class="sr-only">Sổ sự cố lộ lọt dữ liệu</caption>
            <thead>
              <tr>
                <th scope="col">Sự cố</th>
                <th scope="col">Phạm vi</th>
                <th scope="col">Phát hiện lúc</th>
                <th scope="col">Hạn thông báo</th>
                <th scope="col">Tình trạng</th>
                <th scope="col">Văn bản đã gửi</th>
                {records && <th scope="col">Ghi thông báo</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((b) => (
                <tr data-breach={b.id} class={b.status === "overdue" ? "overdue" : ""}>
                  <th scope="row">{b.title}</th>
                  <td>{b.scope}</td>
                  <td>{formatDateTime(b.detected_at)}</td>
                  <td>{formatDateTime(b.notice_deadline)}</td>
                  <td data-status={b.status}>
                    {STATUS_TEXT[b.status]}
                    {b.missing_notices.length > 0 && (
                      <small class="muted">
                        {" "}
                        (còn thiếu: {b.missing_notices.map((r) => RECIPIENT_TEXT[r]).join(", ")})
                      </small>
                    )}
                  </td>
                  <td>
                    {b.notices.length === 0
                      ? "—"
                      : b.notices.map((n) => (
                          <div>
                            {RECIPIENT_TEXT[n.recipient]}: số {n.document_number}, {formatDateTime(n.sent_at)}
                          </div>
                        ))}
                  </td>
                  {records && (
                    <td class="actions">
                      {b.missing_notices.length > 0 && (
                        <button type="button" onClick={() => setNoticing(b)}>
                          Ghi văn bản
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {records && noticing && <NoticeForm breach={noticing} onDone={done} />}
      {records && <RecordForm onDone={done} />}
    </main>
  );
}
