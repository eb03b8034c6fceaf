/**
 * Where the API lives: the page's own origin by default, so one build works behind any host name.
 * `override` (VITE_API_URL) may be an absolute origin or a path relative to the page; `/api/v1` is
 * always appended, and `ws:`/`wss:` follow `http:`/`https:`.
 */
export function resolveApiUrls(location: Pick<Location, "href">, override = "") {
  const base = new URL(override.trim() || "/", location.href);
  const root = `${base.host}${base.pathname.replace(/\/+$/, "")}`;
  const ws = base.protocol === "https:" ? "wss:" : "ws:";
  return { origin: `${base.protocol}//${root}`, ws: `${ws}//${root}/api/v1` };
}

// Outside a browser (unit tests in Node) there is no page: localhost stands in.
const urls = resolveApiUrls(
  typeof window === "undefined" ? { href: "http://localhost/" } : window.location,
  import.meta.env.VITE_API_URL,
);

export const API_ORIGIN = urls.origin;
export const WS_BASE_URL = urls.ws;
export const SOCKET_URL = `${WS_BASE_URL}/socket`;
export const PROJECT_NAME = (import.meta.env.VITE_PROJECT_NAME ?? "").trim() || "App";
