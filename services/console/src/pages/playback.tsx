// Playback: a camera and a day, the time line of its recordings and gaps, play from any time
// (the purpose asked once for the page; each playback session records it), scrubbing, speed,
// jump to a time; exports of the footage below.
import { useEffect, useRef, useState } from "preact/hooks";
import { createPlayback, getCameraRecordings } from "../api";
import type { CameraOut, GrantOut, Purpose, TimelineOut } from "../api";
import { ExportPanel } from "../exports";
import { allCameras } from "../fleet";
import { formatDate } from "../format";
import { grantFor, myViewGrants } from "../grants";
import { SegmentRefused, VodPlayer, parsePlaylist } from "../hls";
import { PURPOSE_TEXT } from "../labels";
import { messageOf } from "../problems";
import { call, may } from "../session";
import { Timeline, formatClock, formatDuration } from "../timeline";
import { ErrorBox, Loading } from "../ui";

const SPEEDS = [0.5, 1, 2, 4] as const;
/** One playback session covers this much from where it starts (the API allows 4 h). */
const WINDOW_MS = 30 * 60_000;
const DAY_MS = 86_400_000;

/** Today in Vietnam, "YYYY-MM-DD". */
function today(): string {
  return new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
}

/** Vietnam's midnight of a day, ms (UTC+7 all year). */
function midnight(day: string): number {
  return Date.parse(`${day}T00:00:00+07:00`);
}

export function PlaybackPage({ query }: { query: URLSearchParams }) {
  const [cameras, setCameras] = useState<CameraOut[] | null>(null);
  const [grants, setGrants] = useState<GrantOut[]>([]);
  const [camera, setCamera] = useState(query.get("camera") ?? "");
  const [day, setDay] = useState(query.get("ngay") ?? today());
  const [timeline, setTimeline] = useState<TimelineOut | null>(null);
  const [purpose, setPurpose] = useState<Purpose | "">("");
  const [position, setPosition] = useState<number | null>(null);
  const [speed, setSpeed] = useState(1);
  const [jump, setJump] = useState("");
  const [state, setState] = useState("Chưa phát");
  const [error, setError] = useState("");
  const video = useRef<HTMLVideoElement>(null);
  const player = useRef<VodPlayer | null>(null);
  const admin = may(["province_admin"]);
  const dayStart = midnight(day);
  const grant = grantFor(grants, [camera]);

  useEffect(() => {
    Promise.all([allCameras(), admin ? myViewGrants() : Promise.resolve([])]).then(
      ([cams, g]) => {
        setCameras(cams);
        setGrants(g);
        setCamera((c) => c || cams[0]?.id || "");
      },
      (e: unknown) => setError(messageOf(e)),
    );
    return () => player.current?.close();
  }, []);

  const loadTimeline = () => {
    if (!camera) return;
    const to = Math.min(dayStart + DAY_MS, Date.now());
    if (to <= dayStart) return setTimeline(null);
    call(() =>
      getCameraRecordings({
        path: { camera_id: camera },
        query: { from: new Date(dayStart).toISOString(), to: new Date(to).toISOString() },
      }),
    ).then(setTimeline, (e: unknown) => setError(messageOf(e)));
  };
  useEffect(() => {
    stop();
    setTimeline(null);
    setError("");
    loadTimeline();
    const timer = day === today() ? setInterval(loadTimeline, 15_000) : undefined;
    return () => clearInterval(timer);
  }, [camera, day]);

  useEffect(() => {
    const v = video.current;
    if (!v) return;
    const tick = () => player.current && setPosition(player.current.currentWall());
    const on = (text: string) => () => setState(text);
    const handlers: [string, () => void][] = [
      ["timeupdate", tick],
      ["playing", on("Đang phát")],
      ["pause", on("Tạm dừng")],
      ["waiting", on("Đang tải hình ảnh…")],
      ["ended", on("Đã hết đoạn ghi hình")],
    ];
    for (const [name, fn] of handlers) v.addEventListener(name, fn);
    return () => handlers.forEach(([name, fn]) => v.removeEventListener(name, fn));
  }, [cameras]);

  function stop() {
    player.current?.close();
    player.current = null;
    setPosition(null);
    setState("Chưa phát");
  }

  /** A playback session from `wall` (or the next recording after it). */
  async function open(wall: number) {
    const v = video.current;
    if (!v || !purpose) {
      setError("Chọn mục đích xem trước khi phát lại.");
      return;
    }
    const next = timeline?.recorded.find((r) => Date.parse(r.to) > wall);
    const start = next ? Math.max(wall, Date.parse(next.from)) : wall;
    const end = Math.min(start + WINDOW_MS, Date.now(), dayStart + DAY_MS);
    setError("");
    setState("Đang mở phiên phát lại…");
    try {
      const pb = await call(() =>
        createPlayback({
          body: {
            camera_id: camera,
            from: new Date(start).toISOString(),
            to: new Date(end).toISOString(),
            purpose,
            grant_id: grant?.id ?? null,
          },
        }),
      );
      const url = new URL(pb.url, location.href).href;
      const r = await fetch(url);
      if (!r.ok) throw new Error(`playlist ${r.status}`);
      const segments = parsePlaylist(await r.text(), url);
      if (!segments.length) throw new Error("empty playlist");
      player.current?.close();
      const p = new VodPlayer(v, segments, (e) => {
        // The session's token expired (10 min) or the access ended: a new session, if allowed.
        if (e instanceof SegmentRefused && player.current === p) void open(p.currentWall());
        else setError("Không phát được đoạn ghi hình này.");
      });
      player.current = p;
      v.defaultPlaybackRate = speed;
      v.playbackRate = speed;
      await p.open(start);
      setPosition(start);
      void v.play().catch(() => undefined);
    } catch (e) {
      setState("Chưa phát");
      setError(messageOf(e));
    }
  }

  function seek(wall: number) {
    const p = player.current;
    if (p && p.covers(wall)) {
      p.seekWall(wall);
      setPosition(wall);
    } else {
      void open(wall);
    }
  }

  function changeSpeed(s: number) {
    setSpeed(s);
    if (video.current) {
      video.current.defaultPlaybackRate = s;
      video.current.playbackRate = s;
    }
  }

  const cam = cameras?.find((c) => c.id === camera);
  const first = timeline?.recorded[0];
  return (
    <main id="main" class="playback-page" data-loaded={timeline ? "yes" : "no"}>
      <h1>Xem lại hình ảnh đã ghi</h1>
      <ErrorBox text={error} />
      {!cameras && !error && <Loading />}
      {cameras && (
        <>
          <form class="filters" onSubmit={(e) => e.preventDefault()}>
            <label for="pb-camera">Camera</label>
            <select id="pb-camera" value={camera} onChange={(e) => setCamera(e.currentTarget.value)}>
              {cameras.map((c) => (
                <option value={c.id}>
                  {c.id} — {c.name}
                </option>
              ))}
            </select>
            <label for="pb-day">Ngày</label>
            <input id="pb-day" type="date" value={day} max={today()} required
              aria-describedby="pb-day-text"
              onChange={(e) => e.currentTarget.value && setDay(e.currentTarget.value)} />
            <span id="pb-day-text" class="muted">({formatDate(day)}, giờ Việt Nam)</span>
            <label for="pb-purpose">Mục đích xem</label>
            <select id="pb-purpose" value={purpose} required
              onChange={(e) => setPurpose(e.currentTarget.value as Purpose)}>
              <option value="">— Chọn mục đích —</option>
              {Object.entries(PURPOSE_TEXT).map(([k, v]) => (
                <option value={k}>{v}</option>
              ))}
            </select>
          </form>
          {admin && !grant && (
            <p class="alert info" role="status">
              Quản trị cấp tỉnh chỉ xem lại được hình ảnh của đơn vị khi có quyền truy cập có căn
              cứ pháp lý còn hiệu lực cho camera này.
            </p>
          )}
          {!timeline && !error && <Loading text="Đang tải dòng thời gian ghi hình…" />}
          {timeline && (
            <Timeline dayStart={dayStart} dayEnd={dayStart + DAY_MS} recorded={timeline.recorded}
              gaps={timeline.gaps} position={position} onSeek={seek} />
          )}
          {timeline && (
            <p class="muted" data-testid="recorded-total">
              Đã ghi {formatDuration(timeline.recorded_seconds)} trong ngày,{" "}
              {timeline.gaps.length} khoảng trống.
            </p>
          )}
          <div class="playback-layout">
            <figure class="live playback">
              <video ref={video} class="playback-video" muted playsInline
                aria-label={`Hình ảnh ghi lại của camera ${cam?.name ?? camera}`} />
              <figcaption>
                <span class="live-name">{cam?.name ?? camera}</span>
                <span data-testid="pb-position">
                  {position === null ? "—" : `${formatClock(position)} ${formatDate(day)}`}
                </span>
                <span class="live-state" role="status" aria-live="polite" data-testid="pb-state">
                  {state}
                </span>
              </figcaption>
            </figure>
            <div class="playback-controls">
              <div class="inline">
                <button type="button" disabled={!purpose || !timeline?.recorded.length}
                  onClick={() => {
                    const v = video.current;
                    if (!player.current) void open(first ? Date.parse(first.from) : dayStart);
                    else if (v?.paused) void v.play();
                    else v?.pause();
                  }}>
                  {!player.current ? "Phát lại" : state === "Tạm dừng" ? "Tiếp tục" : "Tạm dừng"}
                </button>
              </div>
              <fieldset class="speeds">
                <legend>Tốc độ</legend>
                {SPEEDS.map((s) => (
                  <label>
                    <input type="radio" name="pb-speed" value={s} checked={speed === s}
                      onChange={() => changeSpeed(s)} />
                    {new Intl.NumberFormat("vi-VN").format(s)}×
                  </label>
                ))}
              </fieldset>
              <form class="inline" onSubmit={(e) => {
                  e.preventDefault();
                  const [h, m, s] = jump.split(":").map(Number);
                  if (!Number.isNaN(h)) seek(dayStart + ((h * 60 + (m || 0)) * 60 + (s || 0)) * 1000);
                }}>
                <label for="pb-jump">Đến thời điểm</label>
                <input id="pb-jump" type="time" step={1} value={jump} required
                  onInput={(e) => setJump(e.currentTarget.value)} />
                <button type="submit" disabled={!purpose}>Đến</button>
              </form>
            </div>
          </div>
          {camera && (
            <ExportPanel cameraId={camera} dayStart={dayStart} position={position}
              purpose={purpose} grantId={grant?.id} />
          )}
        </>
      )}
    </main>
  );
}
