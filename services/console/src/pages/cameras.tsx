// The camera list: the caller's cameras with their state and picture quality, filtered by
// commune, site kind, quality and state; a camera's name opens its detail.
import { useEffect, useState } from "preact/hooks";
import { listCameras } from "../api";
import type { CameraOut, CameraState, QualityVerdict, SiteKind } from "../api";
import { formatDateTime, formatNumber } from "../format";
import { QUALITY_FLAG_TEXT, SITE_KIND_TEXT, STATE_TEXT, stateClass } from "../labels";
import { messageOf } from "../problems";
import { go } from "../router";
import { call } from "../session";
import { ErrorBox, Loading } from "../ui";

const QUALITY_TEXT: Record<QualityVerdict, string> = {
  good: "Tốt",
  poor: "Kém",
  unknown: "Chưa đánh giá",
};

interface Props {
  query: URLSearchParams;
}

export function CameraListPage({ query }: Props) {
  const commune = query.get("xa") ?? "";
  const kind = (query.get("loai") ?? "") as SiteKind | "";
  const quality = (query.get("chat-luong") ?? "") as QualityVerdict | "";
  const state = (query.get("trang-thai") ?? "") as CameraState | "";
  const text = query.get("tim") ?? "";
  const [items, setItems] = useState<CameraOut[] | null>(null);
  const [total, setTotal] = useState(0);
  const [pages, setPages] = useState<string[]>([""]);
  const [error, setError] = useState("");
  const [next, setNext] = useState("");

  const token = pages[pages.length - 1];
  useEffect(() => {
    let live = true;
    setItems(null);
    call(() =>
      listCameras({
        query: {
          commune_code: commune ? [commune] : undefined,
          site_kind: kind ? [kind] : undefined,
          quality: quality ? [quality] : undefined,
          text: text || undefined,
          page_size: 100,
          page_token: token,
        },
      }),
    ).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setTotal(page.total);
        setNext(page.next_page_token ?? "");
        setError("");
      },
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [commune, kind, quality, text, token]);
  const update = (name: string, value: string) => {
    const q = new URLSearchParams(query);
    if (value) q.set(name, value);
    else q.delete(name);
    setPages([""]);
    go(`#/camera?${q.toString()}`);
  };
  const shown = items?.filter((c) => !state || c.state === state) ?? [];

  return (
    <main id="main">
      <h1>Danh sách camera</h1>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label for="f-text">Tìm theo tên, mã</label>
        <input
          id="f-text"
          type="search"
          value={text}
          onChange={(e) => update("tim", e.currentTarget.value)}
        />
        <label for="f-commune">Mã xã, phường</label>
        <input
          id="f-commune"
          size={6}
          value={commune}
          onChange={(e) => update("xa", e.currentTarget.value.trim())}
        />
        <label for="f-kind">Loại địa điểm</label>
        <select id="f-kind" value={kind} onChange={(e) => update("loai", e.currentTarget.value)}>
          <option value="">Tất cả</option>
          {Object.entries(SITE_KIND_TEXT).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
        <label for="f-state">Trạng thái</label>
        <select
          id="f-state"
          value={state}
          onChange={(e) => update("trang-thai", e.currentTarget.value)}
        >
          <option value="">Tất cả</option>
          {Object.entries(STATE_TEXT).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
        <label for="f-quality">Hình ảnh</label>
        <select
          id="f-quality"
          value={quality}
          onChange={(e) => update("chat-luong", e.currentTarget.value)}
        >
          <option value="">Tất cả</option>
          {Object.entries(QUALITY_TEXT).map(([k, v]) => (
            <option value={k}>{v}</option>
          ))}
        </select>
      </form>
      <ErrorBox text={error} />
      {!items && !error && <Loading />}
      {items && (
        <>
          <p role="status" aria-live="polite">
            {formatNumber(total)} camera{state ? `, ${formatNumber(shown.length)} trên trang này đang "${STATE_TEXT[state]}"` : ""}
          </p>
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Danh sách camera">
            <table class="cameras">
              <caption class="sr-only">Danh sách camera</caption>
              <thead>
                <tr>
                  <th scope="col">Mã camera</th>
                  <th scope="col">Tên</th>
                  <th scope="col">Xã, phường</th>
                  <th scope="col">Địa điểm</th>
                  <th scope="col">Trạng thái</th>
                  <th scope="col">Từ lúc</th>
                  <th scope="col">Hình ảnh</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((c) => (
                  <tr data-camera={c.id}>
                    <th scope="row">
                      <a href={`#/camera/${encodeURIComponent(c.id)}`}>{c.id}</a>
                    </th>
                    <td>{c.name}</td>
                    <td>{c.commune_name}</td>
                    <td>{SITE_KIND_TEXT[c.site_kind]}</td>
                    <td>
                      <span class={`badge ${stateClass(c.state)}`}>{STATE_TEXT[c.state]}</span>
                    </td>
                    <td>{formatDateTime(c.state_changed_at)}</td>
                    <td>
                      {c.quality ? QUALITY_TEXT[c.quality.verdict] : "—"}
                      {c.quality?.flags?.length
                        ? `: ${c.quality.flags.map((f) => QUALITY_FLAG_TEXT[f]).join(", ")}`
                        : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label="Phân trang">
            <button
              type="button"
              disabled={pages.length < 2}
              onClick={() => setPages(pages.slice(0, -1))}
            >
              Trang trước
            </button>
            <button type="button" disabled={!next} onClick={() => setPages([...pages, next])}>
              Trang sau
            </button>
          </nav>
        </>
      )}
    </main>
  );
}
