// A day's time line of one camera: recorded ranges (green) and gaps (red), the playing
// position, a zoom (the whole day, an hour, ten minutes around the position), a slider to
// scrub (keyboard: arrows, Page Up/Down) and the gaps listed in words for screen readers.
import { useState } from "preact/hooks";
import type { Span } from "./api";
import { TIME_ZONE } from "./format";

const clock = new Intl.DateTimeFormat("vi-VN", {
  timeZone: TIME_ZONE,
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
const clockShort = new Intl.DateTimeFormat("vi-VN", {
  timeZone: TIME_ZONE,
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** "14:05:09" in Vietnam's time. */
export function formatClock(ms: number): string {
  return clock.format(new Date(ms));
}

/** "3 phút 20 giây", "45 giây", "2 giờ 5 phút". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [h && `${h} giờ`, m && `${m} phút`, (s % 60 || s === 0) && !h && `${s % 60} giây`];
  return parts.filter(Boolean).join(" ");
}

const ZOOMS = [
  { s: 86_400, text: "Cả ngày" },
  { s: 3_600, text: "1 giờ" },
  { s: 600, text: "10 phút" },
] as const;

interface Props {
  dayStart: number;
  dayEnd: number;
  recorded: Span[];
  gaps: Span[];
  position: number | null;
  onSeek: (ms: number) => void;
}

export function Timeline({ dayStart, dayEnd, recorded, gaps, position, onSeek }: Props) {
  const [zoom, setZoom] = useState<number>(86_400);
  const span = zoom * 1000;
  const centre = position ?? dayStart + 12 * 3_600_000;
  const from = Math.max(dayStart, Math.min(dayEnd - span, centre - span / 2));
  const to = from + span;
  const x = (ms: number) => ((Math.min(to, Math.max(from, ms)) - from) / span) * 1000;
  const rect = (s: Span, cls: string) => {
    const a = Date.parse(s.from);
    const b = Date.parse(s.to);
    if (b <= from || a >= to) return null;
    return (
      <rect
        class={cls}
        x={x(a)}
        width={Math.max(1.5, x(b) - x(a))}
        y={0}
        height={40}
        data-from={s.from}
        data-to={s.to}
      />
    );
  };
  const ticks = Array.from({ length: 7 }, (_, i) => from + (span * i) / 6);
  return (
    <div class="timeline" data-testid="timeline">
      <div class="timeline-head">
        <label for="tl-zoom">Phạm vi hiển thị</label>
        <select id="tl-zoom" value={zoom} onChange={(e) => setZoom(Number(e.currentTarget.value))}>
          {ZOOMS.map((z) => (
            <option value={z.s}>{z.text}</option>
          ))}
        </select>
        <span class="legend">
          <span class="key rec" aria-hidden="true" /> Đã ghi hình
          <span class="key gap" aria-hidden="true" /> Khoảng trống
        </span>
      </div>
      <svg
        viewBox="0 0 1000 40"
        preserveAspectRatio="none"
        aria-hidden="true"
        onClick={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          onSeek(from + ((e.clientX - box.left) / box.width) * span);
        }}
      >
        <rect class="none" x={0} y={0} width={1000} height={40} />
        {recorded.map((s) => rect(s, "rec"))}
        {gaps.map((s) => rect(s, "gap"))}
        {position !== null && position >= from && position <= to && (
          <rect class="cursor" x={x(position) - 1} width={2} y={0} height={40} />
        )}
      </svg>
      <div class="ticks" aria-hidden="true">
        {ticks.map((t) => (
          <span>{clockShort.format(new Date(t))}</span>
        ))}
      </div>
      <input
        type="range"
        id="tl-scrub"
        class="scrub"
        min={from}
        max={to}
        step={1000}
        value={position ?? from}
        aria-label="Vị trí phát lại"
        aria-valuetext={position === null ? "chưa phát" : formatClock(position)}
        onChange={(e) => onSeek(Number(e.currentTarget.value))}
      />
      <details class="gap-list">
        <summary>Các khoảng trống ghi hình trong ngày ({gaps.length})</summary>
        <ul>
          {gaps.map((g) => (
            <li>
              <button type="button" class="link-like" onClick={() => onSeek(Date.parse(g.to))}>
                {formatClock(Date.parse(g.from))} – {formatClock(Date.parse(g.to))}
              </button>{" "}
              ({formatDuration((Date.parse(g.to) - Date.parse(g.from)) / 1000)})
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
