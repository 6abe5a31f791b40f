// The Tuber HTTP API client (see API.md): JSON in and out, the bearer token, and silent
// refresh of the access token (shortly before expiry, and once on a 401 token_expired).

import { clearSession, getSession, onSessionChange, saveTokens } from "./session.js";

const BASE = String(window.TUBER_API_BASE || "").replace(/\/+$/, "");
const REFRESH_MARGIN_MS = 60_000;
// Same origin as the API: the refresh token lives in an HttpOnly cookie (API.md "Sessions"),
// asked for with this header on /auth requests.
const COOKIE_SESSION = !BASE || new URL(BASE, window.location.href).origin === window.location.origin;
// Answers that mean the session is over whatever we do: signed out here too.
const SESSION_OVER = new Set(["invalid_token", "account_not_found", "session_ended", "account_suspended"]);

/** An error answer from the API, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function apiUrl(path) {
  return BASE + path;
}

let refreshing = null;

/** Exchange the refresh token for a new pair; one request at a time, shared by callers. */
export function refreshTokens() {
  if (refreshing) return refreshing;
  const session = getSession();
  if (!session) return Promise.resolve(null);
  const before = session.accessToken;
  // From the cookie, or (a session kept before cookies) the stored token, moved to the cookie.
  const body = session.refreshToken ? { refreshToken: session.refreshToken } : {};
  refreshing = send("POST", "/auth/refresh", { body })
    .then((answer) => saveTokens(answer))
    .catch((error) => {
      // Another tab may have refreshed meanwhile: keep its newer session.
      const now = getSession();
      if (now && now.accessToken !== before) return now;
      if (error.status === 401 || error.status === 403) clearSession();
      throw error;
    })
    .finally(() => { refreshing = null; });
  return refreshing;
}

async function send(method, path, { body, token, signal, query } = {}) {
  let url = apiUrl(path);
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, value);
    }
    const qs = params.toString();
    if (qs) url += (url.includes("?") ? "&" : "?") + qs;
  }
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (COOKIE_SESSION && path.startsWith("/auth/")) headers["X-Tuber-Session"] = "cookie";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url, {
      method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "network_error", "Could not reach Tuber. Check your connection and try again.");
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(response.status, err.code || `http_${response.status}`,
      err.message || response.statusText || "Something went wrong", err.details || null);
  }
  return data;
}

/**
 * api("GET", "/video", {query, body, auth}) -> the JSON answer.
 * auth: "optional" (default: send the token when signed in), "required" or "none".
 */
export async function api(method, path, { body, query, auth = "optional", signal } = {}) {
  let session = getSession();
  if (auth === "required" && !session) {
    throw new ApiError(401, "not_signed_in", "Please sign in first.");
  }
  if (auth !== "none" && session && session.expiresAt - Date.now() < REFRESH_MARGIN_MS) {
    session = await refreshTokens().catch(() => getSession());
  }
  const token = auth !== "none" && session ? session.accessToken : null;
  try {
    return await send(method, path, { body, query, token, signal });
  } catch (error) {
    if (token && error.status === 401 && error.code === "token_expired") {
      const fresh = await refreshTokens();
      if (fresh) return send(method, path, { body, query, token: fresh.accessToken, signal });
    }
    // The account is gone, suspended or signed out everywhere: so is this session. A request
    // that did not need it is sent again, anonymously.
    if (token && SESSION_OVER.has(error.code)) {
      if (getSession()?.accessToken === token) clearSession();
      if (auth === "optional") return send(method, path, { body, query, signal });
    }
    throw error;
  }
}

// Keep the access token fresh while the page is open.
let timer = null;
function schedule(session) {
  clearTimeout(timer);
  if (!session) return;
  const wait = Math.max(5_000, session.expiresAt - Date.now() - REFRESH_MARGIN_MS);
  timer = setTimeout(() => { refreshTokens().catch(() => {}); }, wait);
}
onSessionChange(schedule);
schedule(getSession());

/** Upload a file to the presigned target from POST /video, reporting progress (0..1). */
export function uploadToStorage(upload, file, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const method = String(upload.method || "PUT").toUpperCase();
    xhr.open(method, upload.url);
    let body;
    if (method === "POST") {
      body = new FormData();
      for (const [key, value] of Object.entries(upload.fields || {})) body.append(key, value);
      body.append("file", file);
    } else {
      for (const [key, value] of Object.entries(upload.headers || {})) {
        if (key.toLowerCase() !== "content-length" && key.toLowerCase() !== "host") {
          xhr.setRequestHeader(key, value);
        }
      }
      body = file;
    }
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        const match = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText || "");
        reject(new ApiError(xhr.status, "upload_failed",
          `The upload was refused (${xhr.status})${match ? `: ${match[1]}` : ""}.`));
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "upload_failed",
      "The upload failed: the storage service could not be reached.")));
    xhr.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    if (signal) signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}
