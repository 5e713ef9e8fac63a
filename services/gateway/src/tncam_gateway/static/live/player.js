// tncam live player: WHEP (WebRTC) playback of a camera through the gateway (issue 13).
//
// Plain ES module, no build step, no dependency. Usage:
//
//   import { LivePlayer } from '/live-player/live/player.js';
//   const player = new LivePlayer(videoElement, {
//     accessToken: () => currentAccessToken(),   // or a string
//     cameraId: 'CAM-01-001', purpose: 'public_order',
//     onState: (state, text) => { label.textContent = text; },
//   });
//   await player.start();   // ... later: await player.stop();
//
// Flow: POST {apiBase}/api/v1/live (the gateway authorizes and records the access) returns a
// WHEP URL and a short-lived live token; the player offers receive-only video (H.265 first
// when this browser can decode it, else H.264, and the live edge transcodes for it when the
// camera is H.265), POSTs the offer to the WHEP URL and plays the answer. It reconnects with
// backoff, renews the session before the live token expires (new connection first, then the
// old one closed: no black gap) and DELETEs the session on stop.
//
// Without WebRTC (docs/adr/0023): with `transport: 'auto'` (the default) the player falls
// back to fragmented MP4 over a WebSocket into a MediaSource (mse.js) when this browser has
// no RTCPeerConnection or a WebRTC session does not connect within `webrtcTimeoutMs` (UDP
// blocked); `transport: 'mse'` uses that path only, `'webrtc'` never.

import { MseClosed, MseSession } from './mse.js';

/**
 * @typedef {'idle'|'connecting'|'playing'|'reconnecting'|'no_signal'|'forbidden'|'busy'|
 *   'error'|'stopped'} LiveState
 */

/**
 * @typedef {object} LivePlayerOptions
 * @property {string} [apiBase] The gateway's origin ('' = this page's origin).
 * @property {string | (() => string | Promise<string>)} accessToken The user's access token,
 *   or a function returning the current one (called before each session request).
 * @property {string} cameraId Registry camera id.
 * @property {string} purpose Purpose of access, recorded in the processing log.
 * @property {string} [grantId] Break-glass grant id, for the central operator.
 * @property {'main'|'sub'} [stream] Which of the camera's streams (default 'main').
 * @property {RTCIceServer[]} [iceServers] STUN/TURN servers (none by default).
 * @property {(state: LiveState, text: string, detail?: string) => void} [onState]
 * @property {number} [noSignalAfterMs] No new frame for this long: "camera mất tín hiệu".
 * @property {number} [iceGatheringTimeoutMs] Longest wait for ICE gathering before the offer
 *   is sent; later candidates are sent by PATCH (trickle).
 * @property {'auto'|'webrtc'|'mse'} [transport] WebRTC with a fallback to MSE over a
 *   WebSocket ('auto', default), or only one of them.
 * @property {number} [webrtcTimeoutMs] 'auto': a WebRTC session not connected by then is
 *   given up for the MSE path (for the player's life).
 */

/**
 * @typedef {object} LiveSession
 * @property {string} sessionId
 * @property {string} token The live token (bound to camera, user and purpose).
 * @property {number} expiresAt Epoch milliseconds.
 * @property {string} whepUrl
 * @property {string} wsUrl The MSE WebSocket (absolute ws:// or wss:// URL).
 * @property {'webrtc'|'mse'} transport
 * @property {string} location The WHEP session resource (absolute URL) once answered.
 * @property {string} codecPath How the edge sends the video, when it says so ('' otherwise).
 * @property {RTCPeerConnection | null} pc WebRTC only.
 * @property {MediaStream} stream
 * @property {MseSession | null} mse MSE only.
 */

/**
 * @typedef {object} LiveStats
 * @property {string} codec Negotiated codec of the inbound video, e.g. 'video/H264'.
 * @property {number} framesDecoded
 * @property {number} framesPerSecond
 * @property {number} frameWidth
 * @property {number} frameHeight
 * @property {number} bytesReceived
 * @property {number} packetsLost
 * @property {string} codecPath
 * @property {string} sessionId
 * @property {string} connectionState
 * @property {'webrtc'|'mse'|''} transport
 * @property {number} glassToGlassMs MSE: capture to display of the newest timed picture.
 */

/** What the user sees for each state (Vietnamese, as operators read it). */
export const STATE_TEXT = Object.freeze({
  idle: 'chưa phát',
  connecting: 'đang kết nối',
  playing: 'đang phát',
  reconnecting: 'mất kết nối, đang thử lại',
  no_signal: 'camera mất tín hiệu',
  forbidden: 'không có quyền',
  busy: 'hệ thống bận',
  error: 'lỗi',
  stopped: 'đã dừng',
});

/** Response header in which the gateway names the session's codec path, when it does. */
export const CODEC_PATH_HEADER = 'X-Tncam-Codec-Path';

const LIVE_PATH = '/api/v1/live';
// Problem codes of a camera that cannot be watched now (the edge has no picture of it).
const CAMERA_UNAVAILABLE = /(^|\.)(camera_unavailable|camera_offline|no_signal)$/;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const WATCH_EVERY_MS = 1000;
const DISCONNECTED_GRACE_MS = 3000;
const RECONNECT_WITHOUT_FRAMES_MS = 20000;
const SWAP_WAIT_MS = 10000;

/** An HTTP error answered by the gateway (RFC 9457 problem details when it sent them). */
export class LiveProblem extends Error {
  /**
   * @param {number} status
   * @param {string} code Stable problem code ('' when the body was no problem document).
   * @param {string} detail
   * @param {number} retryAfterMs From Retry-After (0 when absent).
   */
  constructor(status, code, detail, retryAfterMs) {
    super(`${status} ${code || ''} ${detail || ''}`.trim());
    this.name = 'LiveProblem';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * @param {Response} response
 * @returns {Promise<LiveProblem>}
 */
async function problemOf(response) {
  let code = '';
  let detail = '';
  try {
    const body = await response.json();
    code = typeof body.code === 'string' ? body.code : '';
    detail = typeof body.detail === 'string' ? body.detail : (body.title || '');
  } catch {
    // not a problem document
  }
  const header = response.headers.get('Retry-After');
  const seconds = header !== null ? Number(header) : NaN;
  const retryAfterMs = Number.isFinite(seconds) ? seconds * 1000 : 0;
  return new LiveProblem(response.status, code, detail, retryAfterMs);
}

/**
 * Receive codecs in the order to offer them: H.265 first when this browser decodes it, then
 * H.264, then retransmission; nothing else (the edge sends only these).
 * @returns {RTCRtpCodec[]}
 */
export function preferredCodecs() {
  const caps = typeof RTCRtpReceiver.getCapabilities === 'function'
    ? RTCRtpReceiver.getCapabilities('video')
    : null;
  if (!caps) return [];
  const of = (/** @type {string} */ mime) =>
    caps.codecs.filter((c) => c.mimeType.toLowerCase() === mime);
  return [...of('video/h265'), ...of('video/h264'), ...of('video/rtx')];
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves when ICE gathering is complete, or after ``timeoutMs``.
 * @param {RTCPeerConnection} pc
 * @param {number} timeoutMs
 */
function gathered(pc, timeoutMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== 'complete') return;
      pc.removeEventListener('icegatheringstatechange', done);
      resolve(undefined);
    };
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, timeoutMs);
  });
}

/**
 * An application/trickle-ice-sdpfrag body for candidates gathered after the offer was sent.
 * @param {RTCSessionDescription} local
 * @param {RTCIceCandidate[]} candidates
 */
function sdpFragment(local, candidates) {
  const line = (/** @type {string} */ key) =>
    local.sdp.split(/\r?\n/).find((l) => l.startsWith(`a=${key}:`)) || '';
  const mid = candidates[0]?.sdpMid ?? '0';
  const lines = [
    line('ice-ufrag'), line('ice-pwd'), 'm=video 9 UDP/TLS/RTP/SAVPF 0', `a=mid:${mid}`,
  ];
  for (const c of candidates) lines.push(`a=${c.candidate}`);
  return `${lines.filter(Boolean).join('\r\n')}\r\n`;
}

/** Plays one camera live over WHEP through the gateway. */
export class LivePlayer {
  /**
   * @param {HTMLVideoElement} video
   * @param {LivePlayerOptions} options
   */
  constructor(video, options) {
    if (!options || !options.cameraId || !options.purpose) {
      throw new TypeError('LivePlayer: cameraId and purpose are required');
    }
    this.video = video;
    this.options = {
      apiBase: '',
      stream: /** @type {'main'|'sub'} */ ('main'),
      iceServers: /** @type {RTCIceServer[]} */ ([]),
      noSignalAfterMs: 4000,
      iceGatheringTimeoutMs: 1500,
      transport: /** @type {'auto'|'webrtc'|'mse'} */ ('auto'),
      webrtcTimeoutMs: 4000,
      ...options,
    };
    // 'auto' after WebRTC failed to connect once (or where the browser has none).
    this._webrtcFailed = typeof RTCPeerConnection === 'undefined';
    /** @type {LiveState} */
    this.state = 'idle';
    /** @type {LiveSession | null} */
    this.session = null;
    this._running = false;
    this._attempt = 0;
    this._generation = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this._renewTimer = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this._watchTimer = undefined;
    this._lastFrames = 0;
    this._lastFrameAt = 0;
    this._badSince = 0;
    this._reconnecting = false;
  }

  /** Start playing (resolves once the first session is answered, or has failed). */
  async start() {
    if (this._running) return;
    this._running = true;
    this._generation += 1;
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.autoplay = true;
    this._watchTimer = setInterval(() => void this._watch(), WATCH_EVERY_MS);
    await this._connect(this._generation, 'connecting');
  }

  /** Stop playing and end the session at the edge (WHEP DELETE). */
  async stop() {
    this._running = false;
    this._generation += 1;
    clearInterval(this._watchTimer);
    clearTimeout(this._renewTimer);
    const session = this.session;
    this.session = null;
    this.video.srcObject = null;
    if (session) await this._close(session);
    this.video.removeAttribute('src');
    this._setState('stopped');
  }

  /**
   * The inbound video's codec and counters, from getStats().
   * @returns {Promise<LiveStats>}
   */
  async stats() {
    const session = this.session;
    /** @type {LiveStats} */
    const out = {
      codec: '', framesDecoded: 0, framesPerSecond: 0, frameWidth: 0, frameHeight: 0,
      bytesReceived: 0, packetsLost: 0, codecPath: session?.codecPath ?? '',
      sessionId: session?.sessionId ?? '', connectionState: 'closed',
      transport: session?.transport ?? '', glassToGlassMs: 0,
    };
    if (!session) return out;
    if (session.mse) {
      const mse = session.mse;
      out.connectionState = mse.closed ? 'closed' : 'connected';
      out.codec = mse.mimeType;
      out.framesDecoded = mse.framesDecoded();
      out.frameWidth = this.video.videoWidth;
      out.frameHeight = this.video.videoHeight;
      out.bytesReceived = mse.bytesReceived;
      out.glassToGlassMs = mse.glassToGlassMs;
      return out;
    }
    if (!session.pc) return out;
    out.connectionState = session.pc.connectionState;
    const report = await session.pc.getStats();
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
      out.framesDecoded = s.framesDecoded ?? 0;
      out.framesPerSecond = s.framesPerSecond ?? 0;
      out.frameWidth = s.frameWidth ?? 0;
      out.frameHeight = s.frameHeight ?? 0;
      out.bytesReceived = s.bytesReceived ?? 0;
      out.packetsLost = s.packetsLost ?? 0;
      const codec = s.codecId ? report.get(s.codecId) : undefined;
      out.codec = codec?.mimeType ?? '';
    });
    return out;
  }

  // ------------------------------------------------------------------ internals

  /**
   * @param {LiveState} state
   * @param {string} [detail]
   */
  _setState(state, detail) {
    if (this.state === state && !detail) return;
    this.state = state;
    const text = STATE_TEXT[state];
    if (this.options.onState) this.options.onState(state, text, detail);
  }

  async _accessToken() {
    const t = this.options.accessToken;
    return typeof t === 'function' ? await t() : t;
  }

  /**
   * POST /api/v1/live: authorization and the processing-log entry, then the WHEP URL.
   * @returns {Promise<{whepUrl: string, wsUrl: string, token: string, expiresAt: number,
   *   sessionId: string}>}
   */
  async _openSession() {
    const o = this.options;
    const body = { camera_id: o.cameraId, purpose: o.purpose, stream: o.stream };
    if (o.grantId) Object.assign(body, { grant_id: o.grantId });
    const base = o.apiBase || window.location.origin;
    const response = await fetch(new URL(LIVE_PATH, base), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${await this._accessToken()}`,
      },
      body: JSON.stringify(body),
      cache: 'no-store',
    });
    if (!response.ok) throw await problemOf(response);
    const data = await response.json();
    const wsUrl = new URL(data.ws_url || data.whep_url.replace(/\/whep$/, '/ws'), base);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    return {
      whepUrl: new URL(data.whep_url, base).href,
      wsUrl: wsUrl.href,
      token: data.token,
      expiresAt: Date.parse(data.expires_at),
      sessionId: data.session_id,
    };
  }

  /**
   * A new session by the transport in force ('auto': WebRTC until it failed to connect).
   * @returns {Promise<LiveSession>}
   */
  async _newSession() {
    const transport = this.options.transport;
    if (transport === 'mse' || (transport === 'auto' && this._webrtcFailed)) {
      return this._newMseSession();
    }
    const session = await this._newWebrtcSession();
    if (transport !== 'auto') return session;
    if (await connectedWithin(/** @type {RTCPeerConnection} */ (session.pc),
      this.options.webrtcTimeoutMs)) {
      return session;
    }
    // UDP blocked, most likely: this player uses the WebSocket path from now on.
    this._webrtcFailed = true;
    await this._close(session);
    return this._newMseSession();
  }

  /**
   * POST /api/v1/live, then the WebSocket carrying fMP4 into a MediaSource.
   * @returns {Promise<LiveSession>}
   */
  async _newMseSession() {
    const opened = await this._openSession();
    const mse = new MseSession(this.video, opened.wsUrl, opened.token);
    /** @type {LiveSession} */
    const session = {
      ...opened, transport: 'mse', location: '', codecPath: '', pc: null,
      stream: new MediaStream(), mse,
    };
    try {
      await mse.open(10000);
    } catch (err) {
      mse.close();
      if (err instanceof MseClosed) {
        throw new LiveProblem(err.code - 4000, err.reason, err.reason, 0);
      }
      throw err;
    }
    session.codecPath = mse.codecPath;
    return session;
  }

  /**
   * POST /api/v1/live, a receive-only peer connection, the WHEP offer/answer.
   * @returns {Promise<LiveSession>}
   */
  async _newWebrtcSession() {
    const opened = await this._openSession();
    const pc = new RTCPeerConnection({ iceServers: this.options.iceServers });
    const stream = new MediaStream();
    /** @type {LiveSession} */
    const session = {
      ...opened, transport: 'webrtc', location: '', codecPath: '', pc, stream, mse: null,
    };
    pc.addEventListener('track', (e) => stream.addTrack(e.track));
    const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
    const codecs = preferredCodecs();
    if (codecs.length && typeof transceiver.setCodecPreferences === 'function') {
      transceiver.setCodecPreferences(codecs);
    }
    /** @type {RTCIceCandidate[]} */
    const late = [];
    let offerSent = false;
    pc.addEventListener('icecandidate', (e) => {
      if (offerSent && e.candidate && e.candidate.candidate) late.push(e.candidate);
      if (offerSent && !e.candidate && late.length) void this._trickle(session, late.splice(0));
    });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, this.options.iceGatheringTimeoutMs);
      offerSent = true;
      const local = /** @type {RTCSessionDescription} */ (pc.localDescription);
      const response = await fetch(session.whepUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${session.token}` },
        body: local.sdp,
        cache: 'no-store',
      });
      if (response.status !== 201) throw await problemOf(response);
      const location = response.headers.get('Location');
      session.location = location ? new URL(location, session.whepUrl).href : session.whepUrl;
      session.codecPath = response.headers.get(CODEC_PATH_HEADER) || '';
      await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
      if (late.length && pc.iceGatheringState === 'complete') {
        void this._trickle(session, late.splice(0));
      }
      return session;
    } catch (err) {
      pc.close();
      if (session.location) void this._delete(session);
      throw err;
    }
  }

  /**
   * WHEP PATCH with candidates gathered after the offer (best effort).
   * @param {LiveSession} session
   * @param {RTCIceCandidate[]} candidates
   */
  async _trickle(session, candidates) {
    if (!session.location || !session.pc || !session.pc.localDescription) return;
    try {
      await fetch(session.location, {
        method: 'PATCH',
        headers: {
          'Content-Type': 'application/trickle-ice-sdpfrag',
          Authorization: `Bearer ${session.token}`,
        },
        body: sdpFragment(session.pc.localDescription, candidates),
      });
    } catch {
      // the offer's candidates may well be enough
    }
  }

  /** @param {LiveSession} session */
  async _delete(session) {
    try {
      await fetch(session.location, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${session.token}` },
        keepalive: true,
      });
    } catch {
      // the edge ends the session at the token's expiry anyway
    }
  }

  /** @param {LiveSession} session */
  async _close(session) {
    if (session.mse) {
      session.mse.close(); // the gateway ends the session when its socket closes
      return;
    }
    if (session.pc) session.pc.close();
    if (session.location) await this._delete(session);
  }

  /**
   * (Re)connect until a session is answered, with backoff; final on authorization errors.
   * @param {number} generation
   * @param {LiveState} showing
   */
  async _connect(generation, showing) {
    this._setState(showing);
    while (this._running && generation === this._generation) {
      try {
        const session = await this._newSession();
        if (!this._running || generation !== this._generation) {
          await this._close(session);
          return;
        }
        this._adopt(session);
        return;
      } catch (err) {
        const wait = this._failed(err);
        if (wait < 0) return;
        await sleep(wait);
      }
    }
  }

  /**
   * What a failed attempt means: the state to show and how long to wait (-1: give up).
   * @param {unknown} err
   * @returns {number}
   */
  _failed(err) {
    const backoff = BACKOFF_MS[Math.min(this._attempt, BACKOFF_MS.length - 1)];
    this._attempt += 1;
    const jittered = backoff * (0.75 + Math.random() * 0.5);
    if (!(err instanceof LiveProblem)) {
      this._setState('reconnecting', String(err));
      return jittered;
    }
    const detail = err.detail || err.code;
    if (CAMERA_UNAVAILABLE.test(err.code)) {
      this._setState('no_signal', detail);
      return Math.max(err.retryAfterMs, jittered);
    }
    // A live token refused or spent (expired, already used): a fresh POST /live mends it, and
    // a token function may hand a refreshed access token.
    const renewable = err.code.startsWith('gateway.live.')
      && (err.status === 401 || err.status === 409);
    const refreshable = err.status === 401 && typeof this.options.accessToken === 'function';
    if (this._attempt < 3 && (renewable || refreshable)) {
      this._setState('reconnecting', detail);
      return jittered;
    }
    if (err.status === 401 || err.status === 403) {
      this._stopAfterFailure('forbidden', detail);
      return -1;
    }
    if (err.status === 503 || err.status === 429) {
      this._setState('busy', detail);
      return Math.max(err.retryAfterMs, jittered);
    }
    if (err.status >= 400 && err.status < 500) {
      this._stopAfterFailure('error', detail);
      return -1;
    }
    this._setState('reconnecting', detail);
    return jittered;
  }

  /**
   * @param {LiveState} state
   * @param {string} detail
   */
  _stopAfterFailure(state, detail) {
    this._running = false;
    clearInterval(this._watchTimer);
    clearTimeout(this._renewTimer);
    this._setState(state, detail);
  }

  /**
   * Make ``session`` the one shown: attach its video, close the previous one, plan renewal.
   * @param {LiveSession} session
   */
  _adopt(session) {
    const previous = this.session;
    this.session = session;
    if (session.mse) {
      // The session's MediaSource is already attached to the element.
      if (previous && previous.mse !== session.mse) void this._close(previous);
      this._lastFrames = 0;
      this._lastFrameAt = performance.now();
      this._badSince = 0;
      this._planRenewal(session);
      return;
    }
    this.video.removeAttribute('src');
    // One stream stays attached to the element across sessions: a new session's track joins
    // it before the old one leaves, so the element never reloads (no black frame).
    const shown = this._shown();
    const old = shown.getVideoTracks();
    for (const track of session.stream.getVideoTracks()) shown.addTrack(track);
    for (const track of old) shown.removeTrack(track);
    if (this.video.srcObject !== shown) this.video.srcObject = shown;
    void this.video.play().catch(() => undefined);
    this._lastFrames = 0;
    this._lastFrameAt = performance.now();
    this._badSince = 0;
    if (previous) void this._close(previous);
    this._planRenewal(session);
  }

  /** The stream attached to the video element (one for the player's whole life). */
  _shown() {
    if (!(this.video.srcObject instanceof MediaStream)) this.video.srcObject = new MediaStream();
    return this.video.srcObject;
  }

  /** @param {LiveSession} session */
  _planRenewal(session) {
    clearTimeout(this._renewTimer);
    const left = session.expiresAt - Date.now();
    if (!Number.isFinite(left)) return;
    // Renew with a quarter of the lifetime (at most 30 s) to spare: time for a new session
    // to play before the old one ends.
    const margin = Math.min(30000, Math.max(1000, left / 4));
    this._renewTimer = setTimeout(() => void this._renew(session), Math.max(0, left - margin));
  }

  /**
   * A new session before ``current``'s token expires: shown once it decodes frames, then the
   * old one is closed.
   * @param {LiveSession} current
   */
  async _renew(current) {
    const generation = this._generation;
    if (!this._running || this.session !== current) return;
    let next;
    try {
      next = await this._newSession();
    } catch {
      if (this._running && this.session === current && Date.now() < current.expiresAt - 1000) {
        this._renewTimer = setTimeout(() => void this._renew(current), 2000);
      }
      return;
    }
    const started = performance.now();
    while (performance.now() - started < SWAP_WAIT_MS && this._running) {
      if ((await framesOf(next)) > 0 || this.session !== current) break;
      await sleep(100);
    }
    if (!this._running || generation !== this._generation || this.session !== current) {
      await this._close(next);
      return;
    }
    this._adopt(next);
  }

  /** Once a second: the connection's health and whether frames still arrive. */
  async _watch() {
    const session = this.session;
    if (!this._running || !session || this._reconnecting) return;
    const now = performance.now();
    const pcState = session.mse
      ? (session.mse.closed ? 'closed' : 'connected')
      : /** @type {RTCPeerConnection} */ (session.pc).connectionState;
    if (pcState === 'failed' || pcState === 'closed' || pcState === 'disconnected') {
      if (!this._badSince) this._badSince = now;
      if (pcState !== 'disconnected' || now - this._badSince > DISCONNECTED_GRACE_MS) {
        await this._reconnect('reconnecting');
      }
      return;
    }
    this._badSince = 0;
    const frames = await framesOf(session);
    if (frames > this._lastFrames) {
      this._lastFrames = frames;
      this._lastFrameAt = now;
      this._attempt = 0;
      this._setState('playing');
      return;
    }
    const still = now - this._lastFrameAt;
    if (still > RECONNECT_WITHOUT_FRAMES_MS) {
      await this._reconnect(this._lastFrames > 0 ? 'no_signal' : 'reconnecting');
    } else if (this._lastFrames > 0 && still > this.options.noSignalAfterMs) {
      this._setState('no_signal');
    }
  }

  /**
   * Drop the current session and connect afresh (a new POST /api/v1/live).
   * @param {LiveState} showing
   */
  async _reconnect(showing) {
    this._reconnecting = true;
    try {
      const old = this.session;
      this.session = null;
      clearTimeout(this._renewTimer);
      if (old) void this._close(old);
      const generation = ++this._generation;
      const backoff = BACKOFF_MS[Math.min(this._attempt, BACKOFF_MS.length - 1)];
      this._setState(showing);
      await sleep(backoff);
      await this._connect(generation, showing);
    } finally {
      this._reconnecting = false;
    }
  }
}

/**
 * Whether a peer connection reaches 'connected' within ``timeoutMs``.
 * @param {RTCPeerConnection} pc
 * @param {number} timeoutMs
 * @returns {Promise<boolean>}
 */
function connectedWithin(pc, timeoutMs) {
  if (pc.connectionState === 'connected') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(pc.connectionState === 'connected'), timeoutMs);
    const changed = () => {
      const state = pc.connectionState;
      if (state === 'connected' || state === 'failed' || state === 'closed') {
        clearTimeout(timer);
        pc.removeEventListener('connectionstatechange', changed);
        resolve(state === 'connected');
      }
    };
    pc.addEventListener('connectionstatechange', changed);
  });
}

/**
 * Pictures decoded by a session: framesDecoded of a peer connection's inbound video, or the
 * video element's decoded frames for an MSE session.
 * @param {LiveSession} session
 */
async function framesOf(session) {
  if (session.mse) return session.mse.framesDecoded();
  if (!session.pc) return 0;
  let frames = 0;
  (await session.pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded ?? 0;
  });
  return frames;
}
