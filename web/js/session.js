// The signed-in session: tokens and user in localStorage, shared by every tab.

const KEY = "tuber.session";
const listeners = new Set();
let current = read();

function read() {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) || "null");
    return value && value.accessToken && value.refreshToken ? value : null;
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
  current = {
    accessToken: answer.accessToken,
    refreshToken: answer.refreshToken,
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
