// The signed-in session: the access token in memory, the rotating refresh token in this tab's
// sessionStorage (a reload keeps the session, closing the tab ends it). Every API call goes
// through `call`: a 401 refreshes once and retries; when the refresh fails too, the app goes
// back to sign-in and keeps the page to return to.
import { client } from "./api/client.gen";
import { getMe, logout, refreshToken } from "./api";
import type { Me, Role, TokenResponse } from "./api";
import { ApiError, toApiError } from "./problems";

const REFRESH_KEY = "tncam.console.refresh";
/** Refresh this long before the access token expires. */
const EARLY_MS = 30_000;

let access: string | null = null;
let accessExpiresAt = 0;
let me: Me | null = null;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

client.setConfig({ baseUrl: "", auth: () => access ?? undefined });

export function currentUser(): Me | null {
  return me;
}

export function onSessionChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed(): void {
  for (const fn of listeners) fn();
}

/** Keep the tokens of a successful sign-in or refresh; load who signed in. */
export async function adopt(tokens: TokenResponse): Promise<Me> {
  access = tokens.access_token;
  accessExpiresAt = Date.now() + tokens.expires_in * 1000;
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  me = await call(() => getMe());
  changed();
  return me;
}

async function doRefresh(): Promise<boolean> {
  const token = sessionStorage.getItem(REFRESH_KEY);
  if (!token) return false;
  const r = await refreshToken({ body: { refresh_token: token } });
  if (!r.data) {
    sessionStorage.removeItem(REFRESH_KEY);
    return false;
  }
  access = r.data.access_token;
  accessExpiresAt = Date.now() + r.data.expires_in * 1000;
  if (r.data.refresh_token) sessionStorage.setItem(REFRESH_KEY, r.data.refresh_token);
  return true;
}

/** One refresh at a time, whoever asks. */
export function refresh(): Promise<boolean> {
  refreshing ??= doRefresh()
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** A valid access token (refreshed first when it is about to expire): the live player's. */
export async function freshToken(): Promise<string> {
  if (!access || Date.now() > accessExpiresAt - EARLY_MS) await refresh();
  return access ?? "";
}

/** Who is signed in, asked again (after a password change). */
export async function reloadMe(): Promise<Me> {
  me = await call(() => getMe());
  changed();
  return me;
}

/** On start: resume the tab's session from its refresh token, if it has one. */
export async function resume(): Promise<Me | null> {
  if (!(await refresh())) return null;
  me = await call(() => getMe());
  changed();
  return me;
}

/** The session is over: forget it and sign in again, coming back to `location.hash`. */
export function expire(): void {
  access = null;
  me = null;
  sessionStorage.removeItem(REFRESH_KEY);
  changed();
  const back = location.hash && !location.hash.startsWith("#/dang-nhap") ? location.hash : "";
  location.hash = back ? `#/dang-nhap?tiep=${encodeURIComponent(back)}` : "#/dang-nhap";
}

export async function signOut(): Promise<void> {
  if (access) await logout().catch(() => undefined);
  expire();
  location.hash = "#/dang-nhap";
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

/** Run an API call; its data, or an ApiError in Vietnamese. */
export async function call<T>(fn: () => Promise<Result<T>>): Promise<T> {
  let r: Result<T>;
  try {
    r = await fn();
  } catch {
    throw new ApiError(0, "network", "Không kết nối được tới máy chủ. Kiểm tra mạng và thử lại.");
  }
  if (r.response?.status === 401 && access !== null) {
    if (await refresh()) r = await fn();
    if (r.response?.status === 401) {
      expire();
      throw toApiError(401, r.error);
    }
  }
  if (r.error !== undefined || !r.response?.ok) {
    throw toApiError(r.response?.status ?? 0, r.error);
  }
  return r.data as T;
}

/** Roles that work with cameras (the board, the list, the live wall). */
export const CAMERA_ROLES: readonly Role[] = [
  "province_admin",
  "unit_operator",
  "unit_viewer",
  "sector_operator",
];

export function may(roles: readonly Role[]): boolean {
  return me !== null && roles.includes(me.role);
}
