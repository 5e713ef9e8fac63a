// Small shared pieces: labelled fields with their error beside them, alerts, progress.
import type { ComponentChildren } from "preact";

interface FieldProps {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: ComponentChildren;
}

/** A label, its control and, next to it, the error the API gave for this field. */
export function Field({ id, label, error, hint, children }: FieldProps) {
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} class="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

export function ErrorBox({ text }: { text: string }) {
  return text ? (
    <p class="alert error" role="alert">
      {text}
    </p>
  ) : null;
}

export function Loading({ text = "Đang tải dữ liệu…" }: { text?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {text}
    </p>
  );
}

/** `aria-describedby` of a control: its hint and its error, when there are. */
export function describedBy(id: string, error?: string, hint?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}
