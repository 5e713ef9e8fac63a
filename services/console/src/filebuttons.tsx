// Download buttons of one report (XLSX, CSV, PDF …) with the progress of the file being
// prepared and received, and the API's problem if it is refused.
import { useState } from "preact/hooks";
import { download, formatBytes } from "./download";
import { messageOf } from "./problems";

interface Props {
  /** The report's API path with its query, without `format`. */
  path: string;
  /** The file name without its extension, when the server gives none. */
  name: string;
  formats: readonly string[];
  label: string;
}

export function FileButtons({ path, name, formats, label }: Props) {
  const [busy, setBusy] = useState("");
  const [status, setStatus] = useState("");
  const [error, setError] = useState("");
  const get = async (format: string) => {
    setBusy(format);
    setError("");
    setStatus(`Đang chuẩn bị tệp ${format.toUpperCase()}…`);
    try {
      const sep = path.includes("?") ? "&" : "?";
      const saved = await download(`${path}${sep}format=${format}`, `${name}.${format}`, (p) =>
        setStatus(
          `Đang tải tệp ${format.toUpperCase()}: ${formatBytes(p.received)}` +
            (p.total ? ` / ${formatBytes(p.total)}` : ""),
        ),
      );
      setStatus(`Đã tải về ${saved}`);
    } catch (e) {
      setStatus("");
      setError(messageOf(e));
    } finally {
      setBusy("");
    }
  };
  return (
    <div class="file-buttons" role="group" aria-label={label}>
      <span class="label">{label}:</span>
      {formats.map((f) => (
        <button type="button" disabled={busy !== ""} data-format={f} onClick={() => void get(f)}>
          {busy === f && <span class="spinner" aria-hidden="true" />}
          Tải {f.toUpperCase()}
        </button>
      ))}
      <span class="file-status" role="status" aria-live="polite" data-testid="file-status">
        {status}
      </span>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
