import { API_BASE_URL, PROJECT_NAME } from "./core";
import {
  retryAfterSeconds,
  secondsInDetail,
  serverBusyMessage,
  tooManyAttemptsMessage,
} from "./waits";

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
  email_verified: boolean;
}

/** A further sign-in step the server asks for before it issues tokens. */
export interface LoginChallenge {
  /** What kind of step, e.g. a one-time code; an optional feature renders it. */
  type: string;
  /** Names this sign-in attempt when the step is submitted. */
  token: string;
  /** Seconds the step may take. */
  expiresIn: number;
}

/** What a sign-in request ends with: tokens, or a further step to take. */
export type LoginResult = { kind: "signed-in" } | { kind: "challenge"; challenge: LoginChallenge };

/** An HTTP error from the API, with the server's `detail` when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  /** Seconds the server asked to wait before trying again (429, 503); null when it did not say. */
  readonly retryAfter: number | null;

  constructor(status: number, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** What to tell the user about a failed request. */
export function errorMessage(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback;
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
  /** Name of the Web Lock that serialises refreshes across this origin's tabs. */
  refreshLockName?: string;
}

export const REFRESH_LOCK_NAME = `${PROJECT_NAME}-refresh`;

/** Spends the refresh cookie for a new access token; 401 without a valid one. */
const REFRESH_PATH = "/login/refresh";
/** The same, at the app's start: `{signed_in: false}` (200) without a valid one. */
const RESUME_PATH = "/login/resume";

type LockRequest = Pick<LockManager, "request">;

/** The browser's Web Locks, or undefined where there are none (Node, jsdom, old browsers). */
function webLocks(): LockRequest | undefined {
  if (typeof navigator === "undefined") return undefined;
  return (navigator as Partial<Navigator>).locks;
}

export interface RequestOptions {
  method?: string;
  /** Sent as a JSON body. */
  json?: unknown;
  /** Sends the access token (refreshing it first when needed). */
  auth?: boolean;
}

/** FastAPI's 422 lists its complaints; a validator's own sentence starts with this. */
const VALUE_ERROR = "Value error, ";

/** The sentences of a 422's complaints that were written for people (e.g. a too common password), or null. */
function validationMessage(detail: unknown[]): string | null {
  const sentences = detail.flatMap((item) => {
    if (
      typeof item !== "object" ||
      item === null ||
      !("msg" in item) ||
      typeof item.msg !== "string"
    )
      return [];
    if (!item.msg.startsWith(VALUE_ERROR)) return [];
    const text = item.msg.slice(VALUE_ERROR.length).trim();
    if (text === "") return [];
    const sentence = text.charAt(0).toUpperCase() + text.slice(1);
    return [/[.!?]$/.test(sentence) ? sentence : `${sentence}.`];
  });
  return sentences.length > 0 ? sentences.join(" ") : null;
}

async function errorFromResponse(response: Response): Promise<ApiError> {
  const { status } = response;
  let detail: string | null = null;
  let message = `Request failed (${String(status)}).`;
  try {
    const body: unknown = await response.json();
    if (typeof body === "object" && body !== null && "detail" in body) {
      const value = body.detail;
      if (typeof value === "string") detail = value;
      else if (Array.isArray(value))
        message = validationMessage(value) ?? "Please check the values you entered.";
    }
  } catch {
    // Not JSON: keep the generic message.
  }
  const header = retryAfterSeconds(response.headers.get("Retry-After"));
  if (status === 429) {
    // Said the same way everywhere, with the wait in words a person reads at a glance.
    const wait = header ?? (detail === null ? null : secondsInDetail(detail));
    const text = wait === null && detail !== null ? detail : tooManyAttemptsMessage(wait);
    return new ApiError(status, text, wait);
  }
  if (status === 503 && (header !== null || detail === null)) {
    return new ApiError(status, serverBusyMessage(header), header);
  }
  if (detail !== null) message = detail;
  return status === 401 ? new NotAuthenticatedError(message) : new ApiError(status, message);
}

function isTokenResponse(value: unknown): value is TokenResponse {
  return (
    typeof value === "object" &&
    value !== null &&
    "access_token" in value &&
    typeof value.access_token === "string"
  );
}

/** A challenge answer: `{challenge, challenge_token, expires_in}`; null for anything else. */
function readChallenge(value: unknown): LoginChallenge | null {
  if (typeof value !== "object" || value === null) return null;
  if (!("challenge" in value) || !("challenge_token" in value)) return null;
  const { challenge, challenge_token: token } = value;
  if (typeof challenge !== "string" || typeof token !== "string") return null;
  const expiresIn =
    "expires_in" in value && typeof value.expires_in === "number" ? value.expires_in : 0;
  return { type: challenge, token, expiresIn };
}

/** The `message` of a `{message}` answer, or `fallback`. */
export function messageOf(body: unknown, fallback: string): string {
  if (
    typeof body === "object" &&
    body !== null &&
    "message" in body &&
    typeof body.message === "string"
  ) {
    return body.message;
  }
  return fallback;
}

export function createAuthClient(options: AuthClientOptions = {}) {
  const baseUrl = options.baseUrl ?? API_BASE_URL;
  const doFetch =
    options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const tokens = new TokenStore(options.now);
  const refreshLockName = options.refreshLockName ?? REFRESH_LOCK_NAME;
  let refreshing: Promise<string> | null = null;
  let restoring: Promise<User | null> | null = null;
  // Counts sign-ins (password, link, further step): a refresh or a session
  // restore that fails after one must not throw its fresh tokens away.
  let signIns = 0;

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

  /** Keeps the token of a sign-in answer, or hands back the further step it asks for. */
  async function readSignIn(response: Response): Promise<LoginResult> {
    const body: unknown = await response.json();
    if (isTokenResponse(body)) {
      signIns += 1;
      tokens.set(body);
      return { kind: "signed-in" };
    }
    const challenge = readChallenge(body);
    if (challenge) return { kind: "challenge", challenge };
    throw new ApiError(response.status, "Unexpected response from the server.");
  }

  async function login(email: string, password: string): Promise<LoginResult> {
    const form = new URLSearchParams({ username: email, password });
    const response = await call("/login/oauth", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    return readSignIn(response);
  }

  async function send(
    path: string,
    { method = "POST", json, auth = false }: RequestOptions,
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (auth) headers.Authorization = `Bearer ${await getFreshAccessToken()}`;
    const init: RequestInit = { method, headers };
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(json);
    }
    return call(path, init);
  }

  /** A JSON request to the API; resolves the parsed answer (null when it has no body). */
  async function request(path: string, options: RequestOptions = {}): Promise<unknown> {
    const response = await send(path, options);
    const text = await response.text();
    if (text === "") return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(response.status, "Unexpected response from the server.");
    }
  }

  /**
   * A request that answers with a new access token for this session (a new
   * refresh cookie comes with it), e.g. a password change: keeps the token, so
   * that what uses it (requests, the socket) goes on with the new one.
   */
  async function renewWith(path: string, options: RequestOptions): Promise<void> {
    const response = await send(path, options);
    const body: unknown = await response.json().catch(() => null);
    if (!isTokenResponse(body))
      throw new ApiError(response.status, "Unexpected response from the server.");
    // A refresh that fails meanwhile (with the old cookie) must not throw the new token away.
    signIns += 1;
    tokens.set(body);
  }

  /**
   * A request that answers like the password login: keeps the tokens it brings
   * (the refresh cookie comes with them), or hands back the further step it asks for.
   */
  async function signInWith(path: string, json: unknown): Promise<LoginResult> {
    return readSignIn(await send(path, { json }));
  }

  /**
   * Spends the refresh cookie at `path`: /login/refresh refuses (401) when there is no
   * valid one; /login/resume says `{signed_in: false}` instead, which is no error for
   * the browser to report, and becomes a NotAuthenticatedError here all the same.
   */
  async function spendCookie(path: string): Promise<string> {
    const response = await call(path, { method: "POST" });
    const body: unknown = await response.json();
    if (isTokenResponse(body)) return tokens.set(body).accessToken;
    if (
      typeof body === "object" &&
      body !== null &&
      "signed_in" in body &&
      body.signed_in === false
    ) {
      throw new NotAuthenticatedError();
    }
    throw new ApiError(response.status, "Unexpected response from the server.");
  }

  /**
   * Exchanges the refresh cookie for a new access token. Concurrent callers share
   * one request: the server rotates the cookie on every refresh, so a second
   * parallel refresh would present an already-used token (which it treats as
   * theft). Other tabs share the cookie too: a Web Lock, where the browser has
   * them, makes their refreshes take turns, so each presents the latest cookie.
   * The session restore on start spends it at /login/resume, in the same turn.
   */
  function refresh(path: string = REFRESH_PATH): Promise<string> {
    refreshing ??= (async () => {
      const started = signIns;
      const spend = () => spendCookie(path);
      try {
        const locks = webLocks();
        return await (locks ? locks.request(refreshLockName, spend) : spend());
      } catch (error) {
        if (error instanceof NotAuthenticatedError && signIns === started) tokens.clear();
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

  /**
   * Ends every session of this user on every device (their refresh cookies and
   * access tokens stop working), then forgets the tokens here. When the server
   * cannot be told, the tokens stay: nothing was revoked.
   */
  async function logoutEverywhere(): Promise<void> {
    await send("/login/logout-everywhere", { auth: true });
    refreshing = null;
    restoring = null;
    tokens.clear();
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
   * session. Resolves null when there is none (or the server is unreachable);
   * asking is no failed request, so a signed-out visit logs no error.
   */
  function restoreSession(): Promise<User | null> {
    restoring ??= (async () => {
      const started = signIns;
      try {
        await refresh(RESUME_PATH);
        return await me();
      } catch {
        if (signIns === started) tokens.clear();
        return null;
      }
    })();
    return restoring;
  }

  return {
    tokens,
    login,
    signInWith,
    renewWith,
    request,
    refresh: (): Promise<string> => refresh(),
    logout,
    logoutEverywhere,
    me,
    getFreshAccessToken,
    restoreSession,
  };
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
