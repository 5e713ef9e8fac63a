// Playback of a recorded range: the gateway's HLS playlist (fMP4 segments, EXT-X-MAP,
// program date-times; every URL carries the playback token) fed into a MediaSource, no
// library. The gaps between recordings are skipped: segments are appended one after the
// other ("sequence" mode) and each keeps its wall-clock start, so a media time maps back to
// the time it was recorded (Vietnam's time on the page).

export interface Segment {
  url: string;
  init: string;
  /** Wall-clock start, ms since the epoch. */
  wall: number;
  /** Duration, seconds (EXTINF). */
  dur: number;
  /** Start on the player's media time line, seconds. */
  media: number;
}

/** The segments of a media playlist; URLs resolved against the playlist's own address. */
export function parsePlaylist(text: string, base: string): Segment[] {
  const out: Segment[] = [];
  let init = "";
  let wall: number | null = null;
  let dur = 0;
  let media = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("#EXT-X-MAP:")) {
      const m = /URI="([^"]*)"/.exec(line);
      if (m) init = new URL(m[1], base).href;
    } else if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
      wall = Date.parse(line.slice("#EXT-X-PROGRAM-DATE-TIME:".length));
    } else if (line.startsWith("#EXTINF:")) {
      dur = parseFloat(line.slice("#EXTINF:".length));
    } else if (!line.startsWith("#")) {
      const prev = out[out.length - 1];
      const start = wall ?? (prev ? prev.wall + prev.dur * 1000 : 0);
      out.push({ url: new URL(line, base).href, init, wall: start, dur, media });
      media += dur;
      wall = null;
    }
  }
  return out;
}

/** The RFC 6381 codec of an init segment (avcC's profile and level; H.265 by its box). */
export function codecOf(init: Uint8Array): string {
  const find = (name: string) => {
    const [a, b, c, d] = [...name].map((ch) => ch.charCodeAt(0));
    for (let i = 4; i + 4 < init.length; i++) {
      if (init[i] === a && init[i + 1] === b && init[i + 2] === c && init[i + 3] === d) return i;
    }
    return -1;
  };
  const avc = find("avcC");
  if (avc >= 0) {
    const hex = (n: number) => n.toString(16).padStart(2, "0");
    return `avc1.${hex(init[avc + 5])}${hex(init[avc + 6])}${hex(init[avc + 7])}`;
  }
  return find("hvcC") >= 0 ? "hvc1.1.6.L120.90" : "avc1.42e01f";
}

/** A refused fetch of the playlist's objects (the token expired or the access was revoked). */
export class SegmentRefused extends Error {
  constructor(readonly status: number) {
    super(`segment refused: ${status}`);
  }
}

/** Buffered this far ahead of the playing position, seconds. */
const AHEAD_S = 20;
/** Kept behind it (older media is removed from the buffer). */
const BEHIND_S = 30;

export class VodPlayer {
  private ms = new MediaSource();
  private sb: SourceBuffer | null = null;
  private objectUrl = "";
  private next = 0;
  private lastInit = "";
  private jump = true;
  private closed = false;
  private generation = 0;
  private inits = new Map<string, ArrayBuffer>();

  constructor(
    private readonly video: HTMLVideoElement,
    readonly segments: Segment[],
    private readonly onError: (e: unknown) => void,
  ) {}

  async open(startWall: number): Promise<void> {
    this.objectUrl = URL.createObjectURL(this.ms);
    this.video.src = this.objectUrl;
    await new Promise((resolve) => this.ms.addEventListener("sourceopen", resolve, { once: true }));
    const first = this.segments[0];
    const codec = codecOf(new Uint8Array(await this.initOf(first.init)));
    const type = `video/mp4; codecs="${codec}"`;
    if (!MediaSource.isTypeSupported(type)) throw new Error(`codec ${codec} not supported`);
    this.sb = this.ms.addSourceBuffer(type);
    this.sb.mode = "sequence";
    const last = this.segments[this.segments.length - 1];
    this.ms.duration = last.media + last.dur;
    this.seekWall(startWall);
  }

  /** The wall-clock time (ms) of the playing position. */
  currentWall(): number {
    const t = this.video.currentTime;
    const seg = this.segments.find((s) => t < s.media + s.dur) ?? this.segments[this.segments.length - 1];
    return seg.wall + Math.max(0, t - seg.media) * 1000;
  }

  /** Whether the recorded range of this player holds `wall` (ms). */
  covers(wall: number): boolean {
    const first = this.segments[0];
    const last = this.segments[this.segments.length - 1];
    return wall >= first.wall && wall <= last.wall + last.dur * 1000;
  }

  /** Play from the recording at `wall` (ms), or from the next one after it (a gap). */
  seekWall(wall: number): void {
    let seg = this.segments.find((s) => wall < s.wall + s.dur * 1000);
    seg ??= this.segments[this.segments.length - 1];
    const into = Math.min(seg.dur, Math.max(0, (wall - seg.wall) / 1000));
    const t = seg.media + into;
    if (!this.buffered(t)) {
      this.next = this.segments.indexOf(seg);
      this.jump = true;
      this.generation++;
      void this.pump(this.generation);
    }
    this.video.currentTime = t;
  }

  close(): void {
    this.closed = true;
    this.generation++;
    this.video.removeAttribute("src");
    this.video.load();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
  }

  private buffered(t: number): boolean {
    const b = this.video.buffered;
    for (let i = 0; i < b.length; i++) if (t >= b.start(i) && t < b.end(i) - 0.1) return true;
    return false;
  }

  private async initOf(url: string): Promise<ArrayBuffer> {
    let data = this.inits.get(url);
    if (!data) {
      data = await fetchBytes(url);
      this.inits.set(url, data);
    }
    return data;
  }

  private async pump(generation: number): Promise<void> {
    try {
      while (!this.closed && generation === this.generation && this.next < this.segments.length) {
        const seg = this.segments[this.next];
        const ahead = seg.media - this.video.currentTime;
        if (!this.jump && ahead > AHEAD_S) {
          await sleep(500);
          continue;
        }
        const [init, data] = await Promise.all([this.initOf(seg.init), fetchBytes(seg.url)]);
        if (generation !== this.generation || this.closed) return;
        await this.trim();
        if (this.jump) {
          await this.updated();
          this.sb?.abort();
          this.lastInit = "";
        }
        if (seg.init !== this.lastInit) {
          await this.append(init);
          this.lastInit = seg.init;
        }
        if (this.jump && this.sb) this.sb.timestampOffset = seg.media;
        this.jump = false;
        await this.append(data);
        this.next++;
      }
      if (generation === this.generation && this.next >= this.segments.length) {
        if (this.ms.readyState === "open" && this.sb?.updating === false) this.ms.endOfStream();
      }
    } catch (e) {
      if (generation === this.generation && !this.closed) this.onError(e);
    }
  }

  private async trim(): Promise<void> {
    const b = this.video.buffered;
    const until = this.video.currentTime - BEHIND_S;
    if (b.length && b.start(0) < until) {
      this.sb?.remove(0, until);
      await this.updated();
    }
  }

  private async append(data: ArrayBuffer): Promise<void> {
    this.sb?.appendBuffer(data);
    await this.updated();
  }

  private updated(): Promise<void> {
    const sb = this.sb;
    if (!sb || !sb.updating) return Promise.resolve();
    return new Promise((resolve, reject) => {
      sb.addEventListener("updateend", () => resolve(), { once: true });
      sb.addEventListener("error", () => reject(new Error("MediaSource append failed")), {
        once: true,
      });
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const r = await fetch(url);
  if (r.status === 401 || r.status === 403 || r.status === 410) throw new SegmentRefused(r.status);
  if (!r.ok) throw new Error(`segment ${r.status}`);
  return r.arrayBuffer();
}
