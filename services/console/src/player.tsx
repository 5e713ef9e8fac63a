// The gateway's live player (/live-player/live/player.js, not bundled: the gateway serves its
// own copy) in a Preact component: a <video>, its state in words, start/stop with the purpose
// (and the grant, for the central operator) chosen by the page.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Purpose } from "./api";
import { freshToken } from "./session";

export interface LiveStats {
  codec: string;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  transport: string;
  codecPath: string;
}

interface PlayerInstance {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): Promise<LiveStats>;
}

interface PlayerModule {
  LivePlayer: new (
    video: HTMLVideoElement,
    options: {
      accessToken: () => Promise<string>;
      cameraId: string;
      purpose: string;
      grantId?: string;
      onState: (state: string, text: string, detail?: string) => void;
    },
  ) => PlayerInstance;
}

const PLAYER_URL = "/live-player/live/player.js";
let loading: Promise<PlayerModule> | null = null;

function playerModule(): Promise<PlayerModule> {
  loading ??= import(/* @vite-ignore */ PLAYER_URL) as Promise<PlayerModule>;
  return loading;
}

/** The players on the page, by camera: what the browser tests read (`window.tncamPlayers`). */
const players = new Map<string, PlayerInstance>();
(window as unknown as { tncamPlayers: Map<string, PlayerInstance> }).tncamPlayers = players;

interface Props {
  cameraId: string;
  cameraName: string;
  purpose: Purpose;
  grantId?: string;
  /** Start at once (the live wall); else a button starts it. */
  playing: boolean;
}

export function LiveView({ cameraId, cameraName, purpose, grantId, playing }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState("idle");
  const [text, setText] = useState("chưa phát");
  const [detail, setDetail] = useState("");

  useEffect(() => {
    if (!playing || !video.current) return;
    let player: PlayerInstance | null = null;
    let cancelled = false;
    setState("connecting");
    setText("đang kết nối…");
    void playerModule().then(
      ({ LivePlayer }) => {
        if (cancelled || !video.current) return;
        player = new LivePlayer(video.current, {
          accessToken: freshToken,
          cameraId,
          purpose,
          grantId: grantId || undefined,
          onState: (s, t, d) => {
            setState(s);
            setText(t);
            setDetail(d ?? "");
          },
        });
        players.set(cameraId, player);
        void player.start();
      },
      () => {
        setState("error");
        setText("không tải được trình phát");
      },
    );
    return () => {
      cancelled = true;
      players.delete(cameraId);
      void player?.stop();
    };
  }, [playing, cameraId, purpose, grantId]);

  return (
    <figure class="live" data-camera={cameraId}>
      <video
        ref={video}
        muted
        autoPlay
        playsInline
        aria-label={`Hình ảnh trực tiếp của camera ${cameraName}`}
      />
      <figcaption>
        <span class="live-name">{cameraName}</span>
        <span class={`live-state live-${state}`} data-state={state} role="status" aria-live="polite">
          {text}
        </span>
        {detail && <span class="live-detail">{detail}</span>}
      </figcaption>
    </figure>
  );
}
