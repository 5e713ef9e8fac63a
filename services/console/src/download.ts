// A file from the API (a report in XLSX/CSV/PDF, a signed export) downloaded with the user's
// token, its progress reported as it arrives, then saved under its name by the browser.
import { toApiError } from "./problems";
import { freshToken, refresh } from "./session";

export interface Progress {
  received: number;
  /** 0 when the server did not say. */
  total: number;
}

async function get(path: string): Promise<Response> {
  const once = async () =>
    fetch(path, { headers: { Authorization: `Bearer ${await freshToken()}` } });
  let r = await once();
  if (r.status === 401 && (await refresh())) r = await once();
  return r;
}

/** The name the server gave (Content-Disposition), else `fallback`. */
function nameOf(r: Response, fallback: string): string {
  const cd = r.headers.get("Content-Disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain ? plain[1] : fallback;
}

/** Download `path` (same origin, `/api/v1/...`) and save it; an ApiError on a refusal. */
export async function download(
  path: string,
  fallbackName: string,
  onProgress: (p: Progress) => void,
): Promise<string> {
  let r: Response;
  try {
    r = await get(path);
  } catch {
    throw toApiError(0, { code: "network", detail: "Không kết nối được tới máy chủ." });
  }
  if (!r.ok) {
    const body: unknown = await r.json().catch(() => ({}));
    throw toApiError(r.status, body);
  }
  const total = Number(r.headers.get("Content-Length") ?? 0);
  const parts: Uint8Array[] = [];
  let received = 0;
  const reader = r.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.byteLength;
    onProgress({ received, total });
  }
  const blob = new Blob(parts as BlobPart[], {
    type: r.headers.get("Content-Type") ?? "application/octet-stream",
  });
  const name = nameOf(r, fallbackName);
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/** "1,2 MB" / "350 kB" in Vietnamese number format. */
export function formatBytes(n: number): string {
  const fmt = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });
  if (n >= 1e6) return `${fmt.format(n / 1e6)} MB`;
  return `${fmt.format(Math.max(1, Math.round(n / 1e3)))} kB`;
}
