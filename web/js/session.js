// The signed-in session: the access token and user in localStorage, shared by every tab.
// The refresh token is not here: the API keeps it in an HttpOnly cookie that script cannot
// read (answers say `refreshTokenIn: "cookie"`). Only when the API is on another origin,
// where that cookie cannot work, is it kept here (`refreshToken`).

const KEY = "tuber.session";
const listeners = new Set();
let current = read();

function read() {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) || "null");
    return value && value.accessToken && (value.refreshToken || value.refreshIn === "cookie")
      ? value : null;
  } catch {
    return null;
  }
}

function emit() {
  for (const listener of listeners) listener(current);
}

/** The session, or null when signed out. */
export function getSession() {
  return current;
}

export function currentUser() {
  return current ? current.user : null;
}

/** Store a token answer from /auth/login or /auth/refresh. */
export function saveTokens(answer) {
  const expiresIn = Number(answer.expiresIn) || 900;
  const inCookie = answer.refreshTokenIn === "cookie";
  current = {
    accessToken: answer.accessToken,
    ...(inCookie ? { refreshIn: "cookie" } : { refreshToken: answer.refreshToken }),
    expiresAt: Date.now() + expiresIn * 1000,
    user: answer.user || (current && current.user) || null,
  };
  localStorage.setItem(KEY, JSON.stringify(current));
  emit();
  return current;
}

export function clearSession() {
  const had = current !== null;
  current = null;
  localStorage.removeItem(KEY);
  if (had) emit();
}

/** Call `listener(session)` whenever the session changes (here or in another tab). */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

window.addEventListener("storage", (event) => {
  if (event.key !== KEY) return;
  current = read();
  emit();
});
