// tncam live player, the path without WebRTC (docs/adr/0023): fragmented MP4 over a WebSocket
// into a MediaSource. Used by player.js; plain ES module, no dependency.
//
// The socket is opened with the subprotocols ['tncam-live', <live token>] (browsers cannot
// set Authorization on a WebSocket; a token in the URL would land in logs). The gateway
// sends a text frame {type: 'open', mime_type, codec_path}, then binary frames (the init
// segment, then one moof+mdat per picture), {type: 'init'} before each init segment and
// {type: 'clock', capture_ms} about once a second (the capture time of the next fragment).

/** RFC 6381 codecs probed with MediaSource.isTypeSupported, sent to the edge. */
export const MSE_PROBE_CODECS = Object.freeze([
  'hvc1.1.6.L120.90', 'hev1.1.6.L120.90', 'avc1.640028', 'avc1.4d401f', 'avc1.42e01f',
]);
/** Played this far behind the newest buffered picture, the player jumps to the live edge. */
const MAX_BEHIND_S = 1.0;
/** Kept behind the playing position (older ranges are removed). */
const KEEP_BEHIND_S = 10;

/** The MediaSource constructor of this browser (ManagedMediaSource on iOS), or null. */
function mediaSourceClass() {
  const w = /** @type {any} */ (window);
  return w.ManagedMediaSource || w.MediaSource || null;
}

/** The probed codecs this browser's MediaSource accepts. */
export function mseCodecs() {
  const MS = mediaSourceClass();
  if (!MS) return [];
  return MSE_PROBE_CODECS.filter((c) => MS.isTypeSupported(`video/mp4; codecs="${c}"`));
}

/** A WebSocket closed by the gateway before or during the session (code >= 4000). */
export class MseClosed extends Error {
  /**
   * @param {number} code Close code: 4000 + HTTP status of a refusal, 4410 session ended.
   * @param {string} reason The problem code.
   */
  constructor(code, reason) {
    super(`websocket closed ${code} ${reason}`.trim());
    this.name = 'MseClosed';
    this.code = code;
    this.reason = reason;
  }
}

/** One MSE session: its socket, MediaSource and SourceBuffer. */
export class MseSession {
  /**
   * @param {HTMLVideoElement} video
   * @param {string} wsUrl Absolute ws:// or wss:// URL, without the token.
   * @param {string} token The live token.
   */
  constructor(video, wsUrl, token) {
    this.video = video;
    this.wsUrl = wsUrl;
    this.token = token;
    this.mimeType = '';
    this.codecPath = '';
    /** @type {WebSocket | null} */
    this.ws = null;
    /** @type {MediaSource | null} */
    this.ms = null;
    /** @type {SourceBuffer | null} */
    this.sb = null;
    this.objectUrl = '';
    /** @type {ArrayBuffer[]} */
    this.pending = [];
    this.closed = false;
    /** @type {MseClosed | null} */
    this.closeError = null;
    this.bytesReceived = 0;
    this.glassToGlassMs = 0;
    /** @type {number | null} capture time (ms) of the next fragment */
    this._nextCapture = null;
    /** @type {{at: number, captureMs: number}[]} media times whose capture time is known */
    this._marks = [];
    this._onFrame = this._onFrame.bind(this);
  }

  /**
   * Open the socket and wait for the gateway's 'open' frame (rejects with MseClosed when
   * refused), then feed the MediaSource attached to the video element.
   * @param {number} timeoutMs
   */
  async open(timeoutMs) {
    const url = new URL(this.wsUrl);
    url.searchParams.set('codecs', mseCodecs().join(','));
    const ws = new WebSocket(url.href, ['tncam-live', this.token]);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    const opened = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('websocket: no answer')), timeoutMs);
      ws.addEventListener('message', (e) => {
        if (typeof e.data !== 'string') return;
        const msg = JSON.parse(e.data);
        if (msg.type === 'open') {
          clearTimeout(timer);
          resolve(msg);
        }
      }, { once: false });
      ws.addEventListener('close', (e) => {
        clearTimeout(timer);
        reject(e.code >= 4000 ? new MseClosed(e.code, e.reason) : new Error(`websocket ${e.code}`));
      });
    });
    this.mimeType = opened.mime_type;
    this.codecPath = opened.codec_path;
    ws.addEventListener('message', (e) => this._message(e));
    ws.addEventListener('close', (e) => {
      this.closed = true;
      if (e.code >= 4000) this.closeError = new MseClosed(e.code, e.reason);
    });
    await this._attach();
  }

  async _attach() {
    const MS = mediaSourceClass();
    if (!MS) throw new Error('MediaSource is not available');
    const ms = new MS();
    this.ms = ms;
    this.objectUrl = URL.createObjectURL(ms);
    this.video.srcObject = null;
    this.video.disableRemotePlayback = true; // ManagedMediaSource wants it
    this.video.src = this.objectUrl;
    await new Promise((resolve) => ms.addEventListener('sourceopen', resolve, { once: true }));
    const sb = ms.addSourceBuffer(this.mimeType);
    sb.mode = 'sequence';
    sb.addEventListener('updateend', () => this._pump());
    this.sb = sb;
    this._pump();
    void this.video.play().catch(() => undefined);
    if ('requestVideoFrameCallback' in this.video) this.video.requestVideoFrameCallback(this._onFrame);
  }

  /** @param {MessageEvent} e */
  _message(e) {
    if (typeof e.data === 'string') {
      const msg = JSON.parse(e.data);
      if (msg.type === 'clock') this._nextCapture = Number(msg.capture_ms);
      else if (msg.type === 'init' && msg.mime_type !== this.mimeType && this.sb) {
        this.mimeType = msg.mime_type;
        if (typeof this.sb.changeType === 'function') this.sb.changeType(msg.mime_type);
      }
      return;
    }
    this.bytesReceived += e.data.byteLength;
    const buffer = /** @type {ArrayBuffer} */ (e.data);
    if (this._nextCapture !== null) {
      // The fragment's media time is known once it is appended (sequence mode): mark it.
      Object.assign(buffer, { captureMs: this._nextCapture });
      this._nextCapture = null;
    }
    this.pending.push(buffer);
    this._pump();
  }

  /** Append the next pending fragment; keep the buffer short and at the live edge. */
  _pump() {
    const sb = this.sb;
    if (!sb || sb.updating || !this.ms || this.ms.readyState !== 'open') return;
    const video = this.video;
    const end = sb.buffered.length ? sb.buffered.end(sb.buffered.length - 1) : 0;
    if (end - video.currentTime > MAX_BEHIND_S && end > 0.2) video.currentTime = end - 0.1;
    const start = sb.buffered.length ? sb.buffered.start(0) : 0;
    if (video.currentTime - start > KEEP_BEHIND_S * 2) {
      sb.remove(start, video.currentTime - KEEP_BEHIND_S);
      return;
    }
    const next = this.pending.shift();
    if (!next) return;
    const capture = /** @type {any} */ (next).captureMs;
    if (typeof capture === 'number') this._marks.push({ at: end, captureMs: capture });
    try {
      sb.appendBuffer(next);
    } catch (err) {
      // QuotaExceededError: drop what is held and wait for the trim.
      this.pending = [];
    }
  }

  /**
   * A picture was presented: the glass-to-glass latency of the newest marked one shown.
   * @param {number} _now
   * @param {{mediaTime: number}} meta
   */
  _onFrame(_now, meta) {
    while (this._marks.length && this._marks[0].at <= meta.mediaTime + 0.001) {
      const mark = /** @type {{at: number, captureMs: number}} */ (this._marks.shift());
      this.glassToGlassMs = Date.now() - mark.captureMs;
    }
    if (!this.closed) this.video.requestVideoFrameCallback(this._onFrame);
  }

  /** Pictures the video element decoded (since this session attached its MediaSource). */
  framesDecoded() {
    const q = this.video.getVideoPlaybackQuality ? this.video.getVideoPlaybackQuality() : null;
    return q ? q.totalVideoFrames : 0;
  }

  /** Close the socket (the gateway ends the session) and let the MediaSource go. */
  close() {
    this.closed = true;
    this.pending = [];
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(1000, 'stop');
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    if (this.video.src === this.objectUrl) this.video.removeAttribute('src');
  }
}
