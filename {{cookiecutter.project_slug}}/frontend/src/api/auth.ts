import { z } from "zod/mini";

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

export type User = UserPublic;

/** A further sign-in step the server asks for before it issues tokens; a feature renders its `type`. */
export interface LoginChallenge {
  type: string;
  token: string;
  expiresIn: number;
}

export type LoginResult = { kind: "signed-in" } | { kind: "challenge"; challenge: LoginChallenge };

/** An HTTP error from the API; `retryAfter` is the wait a 429 or 503 asked for, in seconds. */
export class ApiError extends Error {
  override name = "ApiError";

  constructor(
    readonly status: number,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

/** What to tell the user about a failed request. */
export function errorMessage(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback;
}

/** There is no (valid) refresh cookie: the user has to log in. */
export class NotAuthenticatedError extends ApiError {
  override name = "NotAuthenticatedError";

  constructor(message = "Not logged in.") {
    super(401, message);
  }
}

/** The seconds a `Retry-After` header asks for (a number, or an HTTP date); null when unreadable. */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number | null {
  const value = header?.trim() ?? "";
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

const UNITS = [
  ["hour", 3600],
  ["minute", 60],
] as const;

/** "45 seconds", "2 minutes", "1 hour": a wait, rounded up to a unit a person reads at a glance. */
export function waitText(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  const [unit, size] = UNITS.find(([, size]) => whole >= size) ?? ["second", 1];
  const amount = Math.ceil(whole / size);
  return `${String(amount)} ${unit}${amount === 1 ? "" : "s"}`;
}

export function tooManyAttemptsMessage(seconds: number | null): string {
  const when = seconds === null ? "later" : `in ${waitText(seconds)}`;
  return `Too many attempts. Try again ${when}.`;
}

/** For a 503 (too many passwords checked at once): it passes quickly, so a short wait is "a moment". */
export function serverBusyMessage(seconds: number | null): string {
  const wait = seconds === null || seconds <= 5 ? "a moment" : waitText(seconds);
  return `The server is busy. Try again in ${wait}.`;
}

/** The wait a 429's detail names ("… try again in 120 seconds."), for an answer without the header. */
export function secondsInDetail(detail: string | null): number | null {
  const found = /try again in (\d+) seconds?/i.exec(detail ?? "");
  return found?.[1] === undefined ? null : Number(found[1]);
}

/** Refresh when the access token has less than this left. */
export const REFRESH_MARGIN_MS = 30_000;

const jwtClaims = z.object({ exp: z.number() });

/** Reads `exp` (unix seconds) from a JWT, as milliseconds, without verifying it; null when unreadable. */
export function jwtExpiry(token: string): number | null {
  try {
    const payload = (token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/");
    const claims = jwtClaims.safeParse(JSON.parse(atob(payload)));
    return claims.success ? claims.data.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** The access token, in memory only (never in web storage); the refresh token is an HttpOnly cookie. */
export class TokenStore {
  private token: { accessToken: string; expiresAt: number } | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  set(answer: Omit<AccessToken, "expires_in"> & { expires_in?: number }): string {
    // `expires_in` is relative, so a skewed client clock does not matter; the JWT's `exp` stands in for it.
    const expiresAt =
      answer.expires_in === undefined
        ? (jwtExpiry(answer.access_token) ?? this.now())
        : this.now() + answer.expires_in * 1000;
    this.token = { accessToken: answer.access_token, expiresAt };
    this.emit();
    return answer.access_token;
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

  /** The access token while it has more than `marginMs` of life left, else null. */
  fresh(marginMs = REFRESH_MARGIN_MS): string | null {
    const { token } = this;
    return token && token.expiresAt - this.now() > marginMs ? token.accessToken : null;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

/** The sentences of a 422's complaints that a validator wrote for people (e.g. a too common password). */
function validationMessage(detail: { msg?: unknown }[]): string | null {
  const sentences = detail.flatMap(({ msg }) => {
    const text = typeof msg === "string" ? /^Value error, \s*(.*\S)/s.exec(msg)?.[1] : undefined;
    if (text === undefined) return [];
    const sentence = text.charAt(0).toUpperCase() + text.slice(1);
    return [/[.!?]$/.test(sentence) ? sentence : `${sentence}.`];
  });
  return sentences.length > 0 ? sentences.join(" ") : null;
}

/** What the API says a refusal is: its `detail` (ErrorMessage, or a 422's HTTPValidationError). */
type Refusal = { detail?: string | { msg?: unknown }[] } | string | undefined;

function errorFromResponse(body: Refusal, response: Response): ApiError {
  const { status } = response;
  const value = typeof body === "object" ? body.detail : undefined;
  const detail = typeof value === "string" ? value : null;
  const header = retryAfterSeconds(response.headers.get("Retry-After"));
  if (status === 429) {
    // Said the same way everywhere, with the wait in words.
    const wait = header ?? secondsInDetail(detail);
    const text = wait === null && detail !== null ? detail : tooManyAttemptsMessage(wait);
    return new ApiError(status, text, wait);
  }
  if (status === 503 && (header !== null || detail === null)) {
    return new ApiError(status, serverBusyMessage(header), header);
  }
  const message = Array.isArray(value)
    ? (validationMessage(value) ?? "Please check the values you entered.")
    : (detail ?? `Request failed (${String(status)}).`);
  return status === 401 ? new NotAuthenticatedError(message) : new ApiError(status, message);
}

/**
 * A client of the generated API functions: the cookies go along (the refresh cookie is sent to
 * the login routes), each refusal throws an ApiError, and an unreachable server one of status 0.
 */
function apiClient(baseUrl: string, fetch: typeof globalThis.fetch): Client {
  const client = createClient(
    createConfig({ baseUrl, credentials: "include", fetch, throwOnError: true }),
  );
  client.interceptors.error.use((body: unknown, response: Response | undefined) =>
    response === undefined
      ? new ApiError(0, "Cannot reach the server.")
      : errorFromResponse(body as Refusal, response),
  );
  return client;
}

export function createAuthClient({
  baseUrl = API_ORIGIN,
  fetch: doFetch = (input: RequestInfo | URL) => fetch(input),
  now,
  refreshLockName = `${PROJECT_NAME}-refresh`,
}: AuthClientOptions = {}) {
  const tokens = new TokenStore(now);
  let refreshing: Promise<string> | null = null;
  let restoring: Promise<User | null> | null = null;
  // Counts the tokens that sign-ins bring: a refresh or a restore that fails after one keeps them.
  let signIns = 0;

  /** For the requests anyone may make: the sign-in routes, the links' tokens. */
  const http = apiClient(baseUrl, doFetch);
  /** For the signed-in user's requests: each sends the access token, refreshed first when needed. */
  const api = apiClient(baseUrl, doFetch);
  api.interceptors.request.use(async (request: Request) => {
    request.headers.set("Authorization", `Bearer ${await getFreshAccessToken()}`);
    return request;
  });

  /**
   * Keeps the tokens an answer brings (a sign-in's, or a password change's for this session), or
   * hands back the further step it asks for. A refresh failing meanwhile does not throw them away.
   */
  function signIn(answer: AccessToken | Challenge): LoginResult {
    if (!("access_token" in answer)) {
      const { challenge: type, challenge_token: token, expires_in: expiresIn } = answer;
      return { kind: "challenge", challenge: { type, token, expiresIn } };
    }
    signIns += 1;
    tokens.set(answer);
    return { kind: "signed-in" };
  }

  async function login(email: string, password: string): Promise<LoginResult> {
    return signIn(await loginRequest({ client: http, body: { username: email, password } }));
  }

  /**
   * Spends the refresh cookie for a new access token. The server rotates it on every use and takes
   * a second use for theft: concurrent callers share one request, and a Web Lock, where the browser
   * has them, makes this origin's tabs take turns. The restore on start spends it at
   * /login/resume, which answers `{signed_in: false}` rather than a 401 the console would show.
   */
  function refresh(resume = false): Promise<string> {
    refreshing ??= (async () => {
      const started = signIns;
      const spend = async () => {
        const answer = resume
          ? await resumeRequest({ client: http })
          : await refreshRequest({ client: http });
        if (!("access_token" in answer)) throw new NotAuthenticatedError();
        return tokens.set(answer);
      };
      try {
        const locks = (globalThis.navigator as Partial<Navigator> | undefined)?.locks;
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
    return tokens.fresh() ?? refresh();
  }

  function forget(): void {
    refreshing = null;
    restoring = null;
    tokens.clear();
  }

  async function logout(): Promise<void> {
    try {
      await logoutRequest({ client: http });
    } finally {
      forget();
    }
  }

  /** Ends every session of this user on every device; when the server cannot be told, nothing changes. */
  async function logoutEverywhere(): Promise<void> {
    await logoutEverywhereRequest({ client: api });
    forget();
  }

  function me(): Promise<User> {
    return readMe({ client: api });
  }

  /** On start: the session a valid refresh cookie restores, once; null without one (or a server). */
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
    refresh: (): Promise<string> => refresh(),
    logout,
    logoutEverywhere,
    me,
    getFreshAccessToken,
    restoreSession,
  };
}

export type AuthClient = ReturnType<typeof createAuthClient>;

/** A client's access tokens as a socket session takes them (TokenSource in socketSession.ts). */
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
