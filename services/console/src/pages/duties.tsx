// Fault tickets and deadlines: the open tickets of the caller's units (acknowledge, close with
// a cause), and the deadlines overdue or coming in the next 30 days.
import { useEffect, useState } from "preact/hooks";
import { acknowledgeTicket, closeTicket, listDeadlines, listTickets } from "../api";
import type { DeadlineOut, TicketOut } from "../api";
import { formatDate, formatDateTime, formatNumber } from "../format";
import { ApiError, messageOf } from "../problems";
import { call, may } from "../session";
import { describedBy, ErrorBox, Field, Loading } from "../ui";
import { TicketNotes } from "./ticket-notes";

const DEADLINE_TEXT: Record<DeadlineOut["kind"], string> = {
  connection: "Kết nối camera",
  registry_update: "Cập nhật thông tin camera",
  maintenance: "Bảo trì định kỳ",
  fault_fix: "Khắc phục sự cố",
  annual_needs: "Đăng ký nhu cầu năm sau",
};

function CloseForm({ ticket, onDone }: { ticket: TicketOut; onDone: () => void }) {
  const [cause, setCause] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    setFields({});
    try {
      await call(() => closeTicket({ path: { ticket_id: ticket.id }, body: { cause, note } }));
      onDone();
    } catch (e) {
      setError(messageOf(e));
      if (e instanceof ApiError) setFields(e.fields);
    }
  };
  return (
    <form class="panel" onSubmit={submit} noValidate aria-labelledby="close-title">
      <h3 id="close-title">Đóng phiếu sự cố của camera {ticket.camera_id}</h3>
      <ErrorBox text={error} />
      <Field id="close-cause" label="Nguyên nhân" error={fields.cause}>
        <input
          id="close-cause"
          value={cause}
          onInput={(e) => setCause(e.currentTarget.value)}
          aria-invalid={fields.cause ? "true" : undefined}
          aria-describedby={describedBy("close-cause", fields.cause)}
          required
        />
      </Field>
      <Field id="close-note" label="Ghi chú" error={fields.note}>
        <input id="close-note" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </Field>
      <button type="submit">Đóng phiếu</button>
    </form>
  );
}

export function DutiesPage() {
  const [tickets, setTickets] = useState<TicketOut[] | null>(null);
  const [deadlines, setDeadlines] = useState<DeadlineOut[] | null>(null);
  const [openOnly, setOpenOnly] = useState(true);
  const [closing, setClosing] = useState<TicketOut | null>(null);
  const [error, setError] = useState("");
  const [version, setVersion] = useState(0);
  const handles = may(["province_admin", "unit_operator"]);

  useEffect(() => {
    let live = true;
    Promise.all([
      call(() => listTickets({ query: { open_only: openOnly, page_size: 200 } })),
      call(() => listDeadlines({ query: { upcoming_days: 30, page_size: 200 } })),
    ]).then(
      ([t, d]) => {
        if (!live) return;
        setTickets(t.items);
        setDeadlines(d.items);
      },
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [openOnly, version]);

  const acknowledge = async (t: TicketOut) => {
    try {
      await call(() => acknowledgeTicket({ path: { ticket_id: t.id }, body: {} }));
      setVersion(version + 1);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <main id="main" data-loaded={tickets && deadlines ? "yes" : undefined}>
      <h1>Sự cố và thời hạn</h1>
      <ErrorBox text={error} />
      <section aria-labelledby="tickets-h">
        <h2 id="tickets-h">Phiếu sự cố mất kết nối</h2>
        <label class="check">
          <input
            type="checkbox"
            checked={openOnly}
            onChange={(e) => setOpenOnly(e.currentTarget.checked)}
          />
          Chỉ phiếu đang mở
        </label>
        {!tickets && !error && <Loading />}
        {tickets && tickets.length === 0 && <p>Không có phiếu sự cố.</p>}
        {tickets && tickets.length > 0 && (
          <table data-testid="tickets">
            <thead>
              <tr>
                <th scope="col">Camera</th>
                <th scope="col">Đơn vị</th>
                <th scope="col">Mở lúc</th>
                <th scope="col">Hạn khắc phục</th>
                <th scope="col">Tình trạng</th>
                <th scope="col">Ghi chú</th>
                {handles && <th scope="col">Xử lý</th>}
              </tr>
            </thead>
            <tbody>
              {tickets.map((t) => (
                <tr>
                  <th scope="row">
                    <a href={`#/camera/${encodeURIComponent(t.camera_id)}`}>{t.camera_id}</a>
                  </th>
                  <td>{t.owner_unit_id}</td>
                  <td>{formatDateTime(t.opened_at)}</td>
                  <td>{formatDate(t.due_on)}</td>
                  <td>
                    {t.closed_at
                      ? `Đã đóng: ${t.cause}`
                      : t.acknowledged_at
                        ? `Đơn vị đã nhận lúc ${formatDateTime(t.acknowledged_at)}`
                        : "Chưa xác nhận"}
                  </td>
                  <td>
                    <TicketNotes ticket={t} handles={handles} onAdded={() => setVersion(version + 1)} />
                  </td>
                  {handles && (
                    <td class="actions">
                      {!t.closed_at && !t.acknowledged_at && (
                        <button type="button" onClick={() => void acknowledge(t)}>
                          Xác nhận đã nhận
                        </button>
                      )}
                      {!t.closed_at && (
                        <button type="button" onClick={() => setClosing(t)}>
                          Đóng phiếu
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {closing && (
          <CloseForm
            ticket={closing}
            onDone={() => {
              setClosing(null);
              setVersion(version + 1);
            }}
          />
        )}
      </section>
      <section aria-labelledby="deadlines-h">
        <h2 id="deadlines-h">Thời hạn quá hạn và sắp đến hạn (30 ngày)</h2>
        {deadlines && deadlines.length === 0 && <p>Không có thời hạn nào.</p>}
        {deadlines && deadlines.length > 0 && (
          <table data-testid="deadlines">
            <thead>
              <tr>
                <th scope="col">Việc</th>
                <th scope="col">Đơn vị</th>
                <th scope="col">Camera</th>
                <th scope="col">Hạn</th>
                <th scope="col">Tình trạng</th>
                <th scope="col">Chi tiết</th>
              </tr>
            </thead>
            <tbody>
              {deadlines.map((d) => (
                <tr class={d.days_overdue > 0 ? "overdue" : ""}>
                  <td>{DEADLINE_TEXT[d.kind]}</td>
                  <td>{d.owner_unit_id}</td>
                  <td>{d.camera_id || "—"}</td>
                  <td>{formatDate(d.due_on)}</td>
                  <td>
                    {d.days_overdue > 0
                      ? `Quá hạn ${formatNumber(d.days_overdue)} ngày`
                      : `Còn ${formatNumber(d.days_until)} ngày`}
                  </td>
                  <td>{d.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
