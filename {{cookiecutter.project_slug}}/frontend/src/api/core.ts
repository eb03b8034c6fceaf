export const API_V1_STR = "/api/v1";

export interface ApiUrls {
  /** Where the API's paths (`/api/v1/...`) start, e.g. `https://example.com`. */
  origin: string;
  /** Base of the websocket API, e.g. `wss://example.com/api/v1`. */
  ws: string;
}

type PageLocation = Pick<Location, "href">;

/**
 * Works out where the API lives. By default that is the page's own origin, so
 * a single build works behind any host name; `ws:`/`wss:` follow `http:`/`https:`.
 * `override` (VITE_API_URL) may be an absolute origin (`https://api.example.com`)
 * or a path relative to the page; the `/api/v1` prefix is always appended.
 */
export function resolveApiUrls(location: PageLocation, override?: string): ApiUrls {
  const trimmed = override?.trim() ?? "";
  const base = new URL(trimmed === "" ? "/" : trimmed, location.href);
  const path = base.pathname.replace(/\/+$/, "");
  const origin = `${base.protocol}//${base.host}${path}`;
  const wsProtocol = base.protocol === "https:" ? "wss:" : "ws:";
  return {
    origin,
    ws: `${wsProtocol}//${base.host}${path}${API_V1_STR}`,
  };
}

// Outside a browser (unit tests in Node) there is no page; pretend to be on localhost.
const pageLocation: PageLocation =
  typeof window === "undefined" ? { href: "http://localhost/" } : window.location;
const urls = resolveApiUrls(pageLocation, import.meta.env.VITE_API_URL);

export const API_ORIGIN = urls.origin;
export const WS_BASE_URL = urls.ws;
export const SOCKET_URL = `${WS_BASE_URL}/socket`;

function projectName(value: string | undefined): string {
  const name = value?.trim() ?? "";
  return name === "" ? "App" : name;
}

export const PROJECT_NAME = projectName(import.meta.env.VITE_PROJECT_NAME);
