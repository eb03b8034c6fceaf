import { API_BASE_URL } from "./core";

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
}

export interface User {
  id: string;
  email: string;
  full_name: string | null;
  is_active: boolean;
  is_superuser: boolean;
}

/** An HTTP error from the API, with the server's `detail` when it sent one. */
export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** There is no (valid) refresh cookie: the user has to log in. */
export class NotAuthenticatedError extends ApiError {
  constructor(message = "Not logged in.") {
    super(401, message);
    this.name = "NotAuthenticatedError";
  }
}

/** Refresh when the access token has less than this left. */
export const REFRESH_MARGIN_MS = 30_000;

/** Reads `exp` (unix seconds) from a JWT without verifying it; null when unreadable. */
export function jwtExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const claims: unknown = JSON.parse(atob(padded));
    if (typeof claims === "object" && claims !== null && "exp" in claims) {
      const exp = claims.exp;
      if (typeof exp === "number" && Number.isFinite(exp)) return exp * 1000;
    }
  } catch {
    return null;
  }
  return null;
}

interface StoredToken {
  accessToken: string;
  /** Epoch milliseconds, in this browser's clock. */
  expiresAt: number;
}

type Listener = () => void;

/**
 * Keeps the access token in memory only (never in web storage). The refresh
 * token lives in an HttpOnly cookie that this code cannot read.
 */
export class TokenStore {
  private token: StoredToken | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  set(response: TokenResponse): StoredToken {
    // `expires_in` is relative, so it is immune to a skewed client clock; the
    // JWT's `exp` is only used when the server did not send it.
    const fromJwt = jwtExpiry(response.access_token);
    const expiresAt =
      typeof response.expires_in === "number"
        ? this.now() + response.expires_in * 1000
        : (fromJwt ?? this.now());
    this.token = { accessToken: response.access_token, expiresAt };
    this.emit();
    return this.token;
  }

  clear(): void {
    if (this.token === null) return;
    this.token = null;
    this.emit();
  }

  get accessToken(): string | null {
    return this.token?.accessToken ?? null;
  }

  get expiresAt(): number | null {
    return this.token?.expiresAt ?? null;
  }

  /** True when there is a token with more than `marginMs` of life left. */
  isFresh(marginMs = REFRESH_MARGIN_MS): boolean {
    return this.token !== null && this.token.expiresAt - this.now() > marginMs;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

export interface AuthClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  now?: () => number;
}

async function errorFromResponse(response: Response): Promise<ApiError> {
  let message = `Request failed (${String(response.status)}).`;
  try {
    const body: unknown = await response.json();
    if (typeof body === "object" && body !== null && "detail" in body) {
      const detail = body.detail;
      if (typeof detail === "string") message = detail;
      else if (Array.isArray(detail)) message = "Please check the values you entered.";
    }
  } catch {
    // Not JSON: keep the generic message.
  }
  return response.status === 401 ? new NotAuthenticatedError(message) : new ApiError(response.status, message);
}

function isTokenResponse(value: unknown): value is TokenResponse {
  return (
    typeof value === "object" &&
    value !== null &&
    "access_token" in value &&
    typeof value.access_token === "string"
  );
}

export function createAuthClient(options: AuthClientOptions = {}) {
  const baseUrl = options.baseUrl ?? API_BASE_URL;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const tokens = new TokenStore(options.now);
  let refreshing: Promise<string> | null = null;
  let restoring: Promise<User | null> | null = null;

  async function call(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, { credentials: "include", ...init });
    } catch {
      throw new ApiError(0, "Cannot reach the server.");
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  async function readToken(response: Response): Promise<string> {
    const body: unknown = await response.json();
    if (!isTokenResponse(body)) throw new ApiError(response.status, "Unexpected response from the server.");
    return tokens.set(body).accessToken;
  }

  async function login(email: string, password: string): Promise<string> {
    const form = new URLSearchParams({ username: email, password });
    const response = await call("/login/oauth", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    return readToken(response);
  }

  /**
   * Exchanges the refresh cookie for a new access token. Concurrent callers share
   * one request: the server rotates the cookie on every refresh, so a second
   * parallel refresh would present an already-used token.
   */
  function refresh(): Promise<string> {
    refreshing ??= (async () => {
      try {
        return await readToken(await call("/login/refresh", { method: "POST" }));
      } catch (error) {
        if (error instanceof NotAuthenticatedError) tokens.clear();
        throw error;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  /** An access token with at least REFRESH_MARGIN_MS left, refreshing first when needed. */
  async function getFreshAccessToken(): Promise<string> {
    const current = tokens.accessToken;
    if (current !== null && tokens.isFresh()) return current;
    return refresh();
  }

  async function logout(): Promise<void> {
    refreshing = null;
    restoring = null;
    try {
      await call("/login/logout", { method: "POST" });
    } finally {
      tokens.clear();
    }
  }

  async function me(): Promise<User> {
    const token = await getFreshAccessToken();
    const response = await call("/users/me", {
      method: "GET",
      headers: { Authorization: `Bearer ${token}` },
    });
    return (await response.json()) as User;
  }

  /**
   * Called once when the app starts: a valid refresh cookie restores the
   * session. Resolves null when there is none (or the server is unreachable).
   */
  function restoreSession(): Promise<User | null> {
    restoring ??= (async () => {
      try {
        await refresh();
        return await me();
      } catch {
        tokens.clear();
        return null;
      }
    })();
    return restoring;
  }

  return { tokens, login, refresh, logout, me, getFreshAccessToken, restoreSession };
}

export type AuthClient = ReturnType<typeof createAuthClient>;

/**
 * A client's access tokens as a socket session takes them (TokenSource in
 * socketSession.ts): a fresh one per connection, a new one to renew an open
 * socket with, when each expires, and every token a refresh brings.
 */
export function socketTokenSource(client: AuthClient) {
  return {
    getToken: () => client.getFreshAccessToken(),
    // The socket's token may still count as fresh here, so a renewal always refreshes.
    renewToken: () => client.refresh(),
    tokenExpiresAt: (token: string) =>
      token === client.tokens.accessToken ? client.tokens.expiresAt : jwtExpiry(token),
    subscribeToTokens: (listener: (token: string) => void) =>
      client.tokens.subscribe(() => {
        const token = client.tokens.accessToken;
        if (token !== null) listener(token);
      }),
  };
}

/** The app's single auth client. */
export const auth: AuthClient = createAuthClient();

export const getFreshAccessToken = (): Promise<string> => auth.getFreshAccessToken();
