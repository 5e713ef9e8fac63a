// The example page of the live player: fill the form (or the URL fragment, e.g.
// #camera=CAM-01-001&purpose=public_order&token=...&transport=mse&autostart=1) and press
// "Xem".
// The token travels in the fragment, which browsers never send to a server.

import { LivePlayer } from './player.js';

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const field = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id));

/** @type {LivePlayer | null} */
let player = null;
/** @type {ReturnType<typeof setInterval> | undefined} */
let statsTimer;

function fillFromFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  for (const [key, id] of [['camera', 'camera'], ['purpose', 'purpose'], ['stream', 'stream'],
    ['grant', 'grant'], ['token', 'token'], ['transport', 'transport']]) {
    const value = params.get(key);
    if (value !== null) field(id).value = value;
  }
  return params.get('autostart') === '1';
}

/**
 * @param {string} state
 * @param {string} text
 * @param {string} [detail]
 */
function showState(state, text, detail) {
  const el = $('state');
  el.textContent = text;
  el.dataset.state = state;
  $('detail').textContent = detail ? `(${detail})` : '';
}

async function showStats() {
  if (!player) return;
  const s = await player.stats();
  $('stat-codec').textContent = s.codec || '—';
  $('stat-path').textContent = s.codecPath || '—';
  $('stat-frames').textContent = String(s.framesDecoded);
  $('stat-fps').textContent = String(Math.round(s.framesPerSecond || 0));
  $('stat-size').textContent = s.frameWidth ? `${s.frameWidth}×${s.frameHeight}` : '—';
  $('stat-transport').textContent = s.transport || '—';
  $('stat-latency').textContent = s.glassToGlassMs ? String(Math.round(s.glassToGlassMs)) : '—';
  $('stat-session').textContent = s.sessionId || '—';
}

async function start() {
  if (player) await player.stop();
  player = new LivePlayer(/** @type {HTMLVideoElement} */ ($('video')), {
    accessToken: () => field('token').value,
    cameraId: field('camera').value.trim(),
    purpose: field('purpose').value,
    grantId: field('grant').value.trim() || undefined,
    stream: field('stream').value === 'sub' ? 'sub' : 'main',
    transport: /** @type {'auto'|'webrtc'|'mse'} */ (field('transport').value || 'auto'),
    onState: showState,
  });
  // For the console and for browser tests.
  Object.assign(window, { livePlayer: player });
  clearInterval(statsTimer);
  statsTimer = setInterval(() => void showStats(), 1000);
  /** @type {HTMLButtonElement} */ ($('stop')).disabled = false;
  await player.start();
}

async function stop() {
  clearInterval(statsTimer);
  if (player) await player.stop();
  /** @type {HTMLButtonElement} */ ($('stop')).disabled = true;
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  void start();
});
$('stop').addEventListener('click', () => void stop());
if (fillFromFragment()) void start();
