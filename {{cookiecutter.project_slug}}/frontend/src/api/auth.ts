import { API_ORIGIN, PROJECT_NAME } from "./core";
import {
  type AccessToken,
  type Challenge,
  login as loginRequest,
  logout as logoutRequest,
  logoutEverywhere as logoutEverywhereRequest,
  readMe,
  refresh as refreshRequest,
  resume as resumeRequest,
  type UserPublic,
} from "./client";
import { type Client, createClient, createConfig } from "./client/client";
import {
  retryAfterSeconds,
  secondsInDetail,
  serverBusyMessage,
  tooManyAttemptsMessage,
} from "./waits";

/** An access token as the token store takes it: `expires_in` may be missing (the JWT's `exp` then). */
export type TokenResponse = Omit<AccessToken, "expires_in"> & { expires_in?: number };

export type User = UserPublic;

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
  /** Where the API's paths (/api/v1/...) start: the page's origin by default. */
  baseUrl?: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Name of the Web Lock that serialises refreshes across this origin's tabs. */
  refreshLockName?: string;
}

export const REFRESH_LOCK_NAME = `${PROJECT_NAME}-refresh`;

type LockRequest = Pick<LockManager, "request">;

/** The browser's Web Locks, or undefined where there are none (Node, jsdom, old browsers). */
function webLocks(): LockRequest | undefined {
  if (typeof navigator === "undefined") return undefined;
  return (navigator as Partial<Navigator>).locks;
}

/** FastAPI's 422 lists its complaints; a validator's own sentence starts with this. */
const VALUE_ERROR = "Value error, ";

/** The sentences of a 422's complaints that were written for people (e.g. a too common password), or null. */
function validationMessage(detail: { msg?: unknown }[]): string | null {
  const sentences = detail.flatMap(({ msg }) => {
    if (typeof msg !== "string" || !msg.startsWith(VALUE_ERROR)) return [];
    const text = msg.slice(VALUE_ERROR.length).trim();
    if (text === "") return [];
    const sentence = text.charAt(0).toUpperCase() + text.slice(1);
    return [/[.!?]$/.test(sentence) ? sentence : `${sentence}.`];
  });
  return sentences.length > 0 ? sentences.join(" ") : null;
}

/** What the API says a refusal is: its `detail` (ErrorMessage, or a 422's HTTPValidationError). */
type Refusal = { detail?: string | { msg?: unknown }[] } | string | undefined;

/** The ApiError of a refused request: `body` is the answer's body, parsed as the client does. */
function errorFromResponse(body: Refusal, response: Response): ApiError {
  const { status } = response;
  const value = typeof body === "object" ? body.detail : undefined;
  const detail = typeof value === "string" ? value : null;
  let message = `Request failed (${String(status)}).`;
  if (Array.isArray(value))
    message = validationMessage(value) ?? "Please check the values you entered.";
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

/**
 * A client of the generated API functions: the cookies go along (the refresh cookie is sent to
 * the login routes), each refusal throws an ApiError, and an unreachable server one of status 0.
 */
function apiClient(baseUrl: string, doFetch: typeof fetch): Client {
  const config = createConfig({
    baseUrl,
    credentials: "include",
    fetch: doFetch,
    throwOnError: true,
  });
  const client = createClient(config);
  client.interceptors.error.use((body: unknown, response: Response | undefined) =>
    response === undefined
      ? new ApiError(0, "Cannot reach the server.")
      : errorFromResponse(body as Refusal, response),
  );
  return client;
}

export function createAuthClient(options: AuthClientOptions = {}) {
  const baseUrl = options.baseUrl ?? API_ORIGIN;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL) => fetch(input));
  const tokens = new TokenStore(options.now);
  const refreshLockName = options.refreshLockName ?? REFRESH_LOCK_NAME;
  let refreshing: Promise<string> | null = null;
  let restoring: Promise<User | null> | null = null;
  // Counts sign-ins (password, link, further step): a refresh or a session
  // restore that fails after one must not throw its fresh tokens away.
  let signIns = 0;

  /** For the requests anyone may make: the sign-in routes, the links' tokens. */
  const http = apiClient(baseUrl, doFetch);
  /** For the signed-in user's requests: each sends the access token, refreshed first when needed. */
  const api = apiClient(baseUrl, doFetch);
  api.interceptors.request.use(async (request: Request) => {
    request.headers.set("Authorization", `Bearer ${await getFreshAccessToken()}`);
    return request;
  });

  /** Keeps the token of a sign-in answer, or hands back the further step it asks for. */
  function signIn(answer: AccessToken | Challenge): LoginResult {
    if ("access_token" in answer) {
      signIns += 1;
      tokens.set(answer);
      return { kind: "signed-in" };
    }
    const { challenge: type, challenge_token: token, expires_in: expiresIn } = answer;
    return { kind: "challenge", challenge: { type, token, expiresIn } };
  }

  /**
   * Keeps the new access token an answer brings for this session (a new refresh cookie comes
   * with it), e.g. a password change's, so that what uses it (requests, the socket) goes on with
   * the new one; a refresh that fails meanwhile (with the old cookie) must not throw it away.
   */
  function renew(answer: AccessToken): void {
    signIns += 1;
    tokens.set(answer);
  }

  async function login(email: string, password: string): Promise<LoginResult> {
    return signIn(await loginRequest({ client: http, body: { username: email, password } }));
  }

  /**
   * Spends the refresh cookie: /login/refresh refuses (401) when there is no valid one;
   * /login/resume (`resume`) says `{signed_in: false}` instead, which is no error for the
   * browser to report, and becomes a NotAuthenticatedError here all the same.
   */
  async function spendCookie(resume: boolean): Promise<string> {
    const answer = resume
      ? await resumeRequest({ client: http })
      : await refreshRequest({ client: http });
    if (!("access_token" in answer)) throw new NotAuthenticatedError();
    return tokens.set(answer).accessToken;
  }

  /**
   * Exchanges the refresh cookie for a new access token. Concurrent callers share
   * one request: the server rotates the cookie on every refresh, so a second
   * parallel refresh would present an already-used token (which it treats as
   * theft). Other tabs share the cookie too: a Web Lock, where the browser has
   * them, makes their refreshes take turns, so each presents the latest cookie.
   * The session restore on start spends it at /login/resume, in the same turn.
   */
  function refresh(resume = false): Promise<string> {
    refreshing ??= (async () => {
      const started = signIns;
      const spend = () => spendCookie(resume);
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
      await logoutRequest({ client: http });
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
    await logoutEverywhereRequest({ client: api });
    refreshing = null;
    restoring = null;
    tokens.clear();
  }

  function me(): Promise<User> {
    return readMe({ client: api });
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
        await refresh(true);
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
    http,
    api,
    login,
    signIn,
    renew,
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
