// A fault ticket's notes (what was found, what is being done): read by whoever sees the
// ticket, added by those who handle it.
import { useState } from "preact/hooks";
import { addTicketNote } from "../api";
import type { TicketOut } from "../api";
import { formatDateTime, formatNumber } from "../format";
import { ApiError, messageOf } from "../problems";
import { call } from "../session";
import { describedBy } from "../ui";

export function TicketNotes({ ticket, handles, onAdded }: { ticket: TicketOut; handles: boolean; onAdded: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const id = `note-${ticket.id}`;
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError("");
    try {
      await call(() => addTicketNote({ path: { ticket_id: ticket.id }, body: { note: text } }));
      setText("");
      onAdded();
    } catch (e) {
      setError(e instanceof ApiError && e.fields.note ? e.fields.note : messageOf(e));
    }
  };
  return (
    <details class="ticket-notes">
      <summary>Ghi chú ({formatNumber(ticket.notes.length)})</summary>
      {ticket.notes.length > 0 && (
        <ul>
          {ticket.notes.map((n) => (
            <li>
              <small class="muted">
                {formatDateTime(n.at)}, {n.author}:
              </small>{" "}
              {n.text}
            </li>
          ))}
        </ul>
      )}
      {handles && !ticket.closed_at && (
        <form class="inline" onSubmit={submit} noValidate>
          <label for={id}>Thêm ghi chú</label>
          <input
            id={id}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            aria-invalid={error ? "true" : undefined}
            aria-describedby={describedBy(id, error)}
          />
          <button type="submit">Lưu ghi chú</button>
          {error && (
            <small id={`${id}-error`} class="field-error" role="alert">
              {error}
            </small>
          )}
        </form>
      )}
    </details>
  );
}
