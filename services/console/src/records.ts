// What the record pages share (audit search, breaches, maintenance, needs, account review):
// Vietnam's local date-times for form fields, downloads of authenticated files, page walking.
import { currentUser } from "./session";

/** A datetime-local value ("2026-12-07T16:30") read as Vietnam's time, as an ISO instant. */
export function vietnamInstant(local: string): string {
  return local ? `${local}:00+07:00` : "";
}

/** Now plus `hours` as a datetime-local value in Vietnam's time. */
export function vietnamLocal(hours = 0): string {
  const t = new Date(Date.now() + (hours + 7) * 3_600_000);
  return t.toISOString().slice(0, 16);
}

/** An ISO instant as a datetime-local value in Vietnam's time ("" when absent). */
export function toVietnamLocal(iso: string | null | undefined): string {
  if (!iso) return "";
  const t = new Date(new Date(iso).getTime() + 7 * 3_600_000);
  return t.toISOString().slice(0, 16);
}

/** Today's date in Vietnam ("2026-12-07"). */
export function vietnamToday(): string {
  return vietnamLocal().slice(0, 10);
}

/** Hand a downloaded body to the browser as a file (no page change, no new window). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Whether the signed-in user may read the audit log (the auditor, a unit's leader). */
export function mayReadAudit(): boolean {
  const me = currentUser();
  if (!me) return false;
  if (me.role === "auditor") return true;
  return (me.role === "unit_operator" || me.role === "unit_viewer") && me.unit_leader === true;
}

/** Form fields as a query: empty strings dropped. */
export function compact<T extends Record<string, unknown>>(q: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v !== "" && v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
