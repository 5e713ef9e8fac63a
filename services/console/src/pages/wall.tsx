// The live wall: 1, 4 or 9 cameras at once; the purpose of access is chosen once for the wall
// (each camera's session records it), each tile shows its stream's state.
import { useEffect, useState } from "preact/hooks";
import type { CameraOut, GrantOut, Purpose } from "../api";
import { allCameras } from "../fleet";
import { grantFor, myViewGrants } from "../grants";
import { PURPOSE_TEXT } from "../labels";
import { LiveView } from "../player";
import { messageOf } from "../problems";
import { may } from "../session";
import { ErrorBox, Loading } from "../ui";

const SIZES = [1, 4, 9] as const;
type Size = (typeof SIZES)[number];

export function WallPage({ query }: { query: URLSearchParams }) {
  const [cameras, setCameras] = useState<CameraOut[] | null>(null);
  const [grants, setGrants] = useState<GrantOut[]>([]);
  const [error, setError] = useState("");
  const [size, setSize] = useState<Size>((Number(query.get("so")) as Size) || 4);
  const [chosen, setChosen] = useState<string[]>((query.get("camera") ?? "").split(",").filter(Boolean));
  const [purpose, setPurpose] = useState<Purpose | "">((query.get("muc-dich") ?? "") as Purpose | "");
  const [playing, setPlaying] = useState(false);
  const admin = may(["province_admin"]);

  useEffect(() => {
    Promise.all([allCameras(), admin ? myViewGrants() : Promise.resolve([])]).then(
      ([cams, g]) => {
        setCameras(cams);
        setGrants(g);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);

  const viewable = (cameras ?? []).filter((c) => !admin || grantFor(grants, [c.id]));
  const tiles = Array.from({ length: size }, (_, i) => chosen[i] ?? viewable[i]?.id ?? "");
  const choose = (i: number, id: string) => {
    const next = [...tiles];
    next[i] = id;
    setChosen(next);
  };

  return (
    <main id="main" class="wall-page">
      <h1>Xem trực tiếp nhiều camera</h1>
      <ErrorBox text={error} />
      {!cameras && !error && <Loading />}
      {cameras && (
        <>
          {admin && viewable.length === 0 && (
            <p class="alert info" role="status">
              Chưa có quyền truy cập khẩn cấp nào còn hiệu lực: quản trị cấp tỉnh chỉ xem được
              hình ảnh của đơn vị khi có quyền truy cập có căn cứ pháp lý.
            </p>
          )}
          <form
            class="filters"
            onSubmit={(e) => {
              e.preventDefault();
              if (purpose) setPlaying(!playing);
            }}
          >
            <fieldset class="sizes">
              <legend>Số camera</legend>
              {SIZES.map((n) => (
                <label>
                  <input
                    type="radio"
                    name="wall-size"
                    value={n}
                    checked={size === n}
                    disabled={playing}
                    onChange={() => setSize(n)}
                  />
                  {n}
                </label>
              ))}
            </fieldset>
            <label for="wall-purpose">Mục đích xem (cho cả màn hình)</label>
            <select
              id="wall-purpose"
              value={purpose}
              disabled={playing}
              onChange={(e) => setPurpose(e.currentTarget.value as Purpose)}
            >
              <option value="">— Chọn mục đích —</option>
              {Object.entries(PURPOSE_TEXT).map(([k, v]) => (
                <option value={k}>{v}</option>
              ))}
            </select>
            <button type="submit" disabled={!purpose || tiles.every((t) => !t)}>
              {playing ? "Dừng xem" : "Bắt đầu xem"}
            </button>
          </form>
          <div class={`wall wall-${size}`}>
            {tiles.map((id, i) => {
              const cam = cameras.find((c) => c.id === id);
              return (
                <div class="tile">
                  <label for={`tile-${i}`} class="sr-only">
                    Camera ô {i + 1}
                  </label>
                  <select
                    id={`tile-${i}`}
                    value={id}
                    disabled={playing}
                    onChange={(e) => choose(i, e.currentTarget.value)}
                  >
                    <option value="">— Trống —</option>
                    {viewable.map((c) => (
                      <option value={c.id}>
                        {c.id} — {c.name}
                      </option>
                    ))}
                  </select>
                  {id && purpose && (
                    <LiveView
                      cameraId={id}
                      cameraName={cam?.name ?? id}
                      purpose={purpose}
                      grantId={grantFor(grants, [id])?.id}
                      playing={playing}
                    />
                  )}
                </div>
              );
            })}
          </div>
        </>
      )}
    </main>
  );
}
