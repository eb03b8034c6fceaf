import { jwtExpiry } from "./auth";
import { CLOSES_WITH, type CloseCode, type SessionDescription } from "./protocol";
import {
  type ClosingNotice,
  type CloseInfo,
  type ErrorMessage,
  type JsonObject,
  type ServerMessage,
  type SocketUser,
  SocketAuthError,
  SocketClient,
} from "./websocketAPI";

export type ConnectionStatus = "connecting" | "authenticating" | "open" | "reconnecting" | "closed";

export interface ReconnectOptions {
  /** First delay, before jitter. */
  baseDelayMs: number;
  /** Upper bound of any delay. */
  maxDelayMs: number;
  /** Give up after this many failed attempts in a row. */
  maxAttempts: number;
  /** A connection that stayed open this long resets the backoff. */
  stableAfterMs: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxAttempts: Number.POSITIVE_INFINITY,
  stableAfterMs: 5_000,
};

/**
 * Delay before reconnect attempt `attempt` (1-based): exponential, capped, with
 * "equal jitter" (between half and all of the exponential value), so clients
 * dropped together by a restarting server do not come back in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: Pick<ReconnectOptions, "baseDelayMs" | "maxDelayMs"> = DEFAULT_RECONNECT,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    options.maxDelayMs,
    options.baseDelayMs * 2 ** Math.max(0, attempt - 1),
  );
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

// The protocol's close codes (see CloseCode) that this module tells apart.
const CLOSE_NORMAL = 1000 satisfies CloseCode;
const CLOSE_POLICY = 1008 satisfies CloseCode;
const CLOSE_TOO_BIG = 1009 satisfies CloseCode;
/** The client's own: the server did not answer the token in time (4000-4999 are for applications). */
const CLOSE_AUTH_TIMEOUT = 4000;

/**
 * Errors after which the server closes the socket, and a new one would only meet them again:
 * those it closes with a refusal (policy, size), not with a fault of its own.
 */
const REFUSAL_CODES: ReadonlySet<string> = new Set(
  Object.entries(CLOSES_WITH)
    .filter(([, close]) => close === CLOSE_POLICY || close === CLOSE_TOO_BIG)
    .map(([code]) => code),
);

export type CloseOutcome =
  /** The session connects again on its own, with backoff. */
  | { kind: "reconnect" }
  /** Closed without a fault (save, idle, our own close); a person reconnects by hand. */
  | { kind: "ended" }
  /** Refused (authentication, rate, size); a person reconnects by hand, if at all. */
  | { kind: "refused"; error: string; errorCode: string };

/**
 * What a close means, and so whether it is final: the one place that decides
 * it. `refusal` is the server's last refusal on the connection (see
 * REFUSAL_CODES), `closing` the `closing` notice it sent before closing. A
 * refusal or an idle close is final (reconnecting on our own would repeat the
 * fault, or keep a socket open for nobody); a server shutting down comes back.
 */
export function closeOutcome(
  close: Pick<CloseInfo, "code" | "reason">,
  refusal: Pick<ErrorMessage, "error" | "code"> | null,
  closing: ClosingNotice | null,
): CloseOutcome {
  if (refusal) return { kind: "refused", error: refusal.error, errorCode: refusal.code };
  if (closing?.reason === "idle") return { kind: "ended" };
  if (closing?.reason === "shutdown") return { kind: "reconnect" };
  switch (close.code) {
    case CLOSE_NORMAL:
      return { kind: "ended" };
    case CLOSE_POLICY:
      return {
        kind: "refused",
        error: close.reason || "The server closed the connection (policy violation).",
        errorCode: "policy",
      };
    case CLOSE_TOO_BIG:
      return {
        kind: "refused",
        error: close.reason || "A message was too big for the server.",
        errorCode: "message_too_big",
      };
    default:
      return { kind: "reconnect" };
  }
}

export interface SessionSnapshot {
  status: ConnectionStatus;
  /** The user from the last `initialised`. */
  user: SocketUser | null;
  /** `initialised.data.draft`: an unsaved session the server resumed. */
  draft: SessionDescription | null;
  /** Why the session stopped for good (authentication, policy close, gave up reconnecting). */
  error: string | null;
  errorCode: string | null;
  lastClose: CloseInfo | null;
  /** What the server said just before its last close (idle, shutdown); null once connected again. */
  closing: ClosingNotice | null;
  /** The connection was closed by the server after a successful `save`. */
  saved: boolean;
  /** Reconnect attempts since the last stable connection. */
  reconnectAttempt: number;
  /** Delay before the pending reconnect, when one is scheduled. */
  retryInMs: number | null;
}

export const INITIAL_SNAPSHOT: SessionSnapshot = {
  status: "closed",
  user: null,
  draft: null,
  error: null,
  errorCode: null,
  lastClose: null,
  closing: null,
  saved: false,
  reconnectAttempt: 0,
  retryInMs: null,
};

/** Where a session's access tokens come from; the app's are `socketTokenSource(auth)` (auth.ts). */
export interface TokenSource {
  /** A fresh access token, fetched anew for every (re)connection. */
  getToken: () => Promise<string>;
  /** A new access token, to renew an open socket's authentication with before its token expires; defaults to getToken. */
  renewToken?: () => Promise<string>;
  /** When `token` expires, in epoch ms of this browser's clock; null when unknown. Defaults to the JWT's `exp`. */
  tokenExpiresAt?: (token: string) => number | null;
  /** Calls `listener` with every new access token the app gets (a refresh, say); returns the unsubscribe function. */
  subscribeToTokens?: (listener: (token: string) => void) => () => void;
}

export interface SocketSessionOptions extends TokenSource {
  url: string;
  createWebSocket?: (url: string) => WebSocket;
  reconnect?: Partial<ReconnectOptions>;
  /** Source of jitter; tests make it deterministic. */
  random?: () => number;
  /** How long to wait for `initialised` after sending the token. */
  authTimeoutMs?: number;
  /** Default timeout of `request()`. */
  requestTimeoutMs?: number;
  /** An open socket sends a new token this long before its token expires (60 s by default). */
  renewBeforeMs?: number;
  /** Every message from the server after the socket opened, `initialised` included. */
  onMessage?: (message: ServerMessage) => void;
  /** `getToken` failed: the user must log in again. */
  onUnauthenticated?: (error: Error) => void;
}

const DEFAULT_RENEW_BEFORE_MS = 60_000;
/** Renewals are at least this far apart, whatever the tokens' lifetimes. */
const MIN_RENEW_DELAY_MS = 1_000;
/** setTimeout's longest delay; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One authenticated socket session with automatic reconnect. Framework-free;
 * `useSocketSession` wraps it for React.
 *
 * Reconnects after unexpected closes and server shutdowns, not after the ones
 * closeOutcome() calls final, which need a person to act. While the socket is
 * open, it renews the socket's authentication before the token expires.
 */
export class SocketSession {
  private snapshot: SessionSnapshot = INITIAL_SNAPSHOT;
  private readonly listeners = new Set<() => void>();
  private readonly options: SocketSessionOptions;
  private readonly reconnectOptions: ReconnectOptions;
  private client: SocketClient | null = null;
  /** Bumped on every connection and on stop(), so late events of old sockets are ignored. */
  private generation = 0;
  private running = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private openedAt: number | null = null;
  private savedOnConnection = false;
  private refusal: ErrorMessage | null = null;
  private closingNotice: ClosingNotice | null = null;
  /** The token the open socket is authenticated with, or last sent to renew it. */
  private socketToken: string | null = null;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private stopFollowingTokens: (() => void) | null = null;

  constructor(options: SocketSessionOptions) {
    this.options = options;
    this.reconnectOptions = { ...DEFAULT_RECONNECT, ...options.reconnect };
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): SessionSnapshot => this.snapshot;

  get url(): string {
    return this.options.url;
  }

  /** Opens the session (idempotent). */
  readonly start = (): void => {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.update({
      status: "connecting",
      error: null,
      errorCode: null,
      closing: null,
      saved: false,
      reconnectAttempt: 0,
      retryInMs: null,
    });
    // Connect on the next tick: React's StrictMode mounts, unmounts and mounts
    // again at once, and the socket of the first mount would be wasted.
    this.schedule(0);
  };

  /** Closes the socket (1000) and stops reconnecting. */
  readonly stop = (): void => {
    this.running = false;
    this.generation += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopRenewing();
    const client = this.client;
    this.client = null;
    if (client) void client.close(CLOSE_NORMAL, "Client closed the session.");
    if (this.snapshot.status !== "closed" || this.snapshot.retryInMs !== null) {
      this.update({ status: "closed", retryInMs: null });
    }
  };

  /** Starts over with a new connection, e.g. after a save or an error. */
  readonly reconnect = (): void => {
    this.stop();
    this.start();
  };

  /** Fire-and-forget request; false when the socket is not open. */
  readonly send = (state: string, data: JsonObject = {}): boolean => {
    const client = this.openClient();
    if (!client) return false;
    client.send(state, data);
    return true;
  };

  /** Sends one text frame as it is; false when the socket is not open. */
  readonly sendRaw = (text: string): boolean => {
    const client = this.openClient();
    if (!client) return false;
    client.sendRaw(text);
    return true;
  };

  /** Request/response by id; rejects on an error response, a close or a timeout. */
  readonly request = (
    state: string,
    data: JsonObject = {},
    options: { timeoutMs?: number } = {},
  ): Promise<ServerMessage> => {
    const client = this.openClient();
    if (!client) return Promise.reject(new Error("The connection is not open."));
    return client.request(state, data, {
      timeoutMs: options.timeoutMs ?? this.options.requestTimeoutMs ?? 30_000,
    });
  };

  private openClient(): SocketClient | null {
    if (this.snapshot.status !== "open" || !this.client?.isOpen) return null;
    return this.client;
  }

  private update(patch: Partial<SessionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }

  private async connect(): Promise<void> {
    this.generation += 1;
    const generation = this.generation;
    const isCurrent = () => generation === this.generation && this.running;
    const client = new SocketClient(this.options.url, {
      ...(this.options.createWebSocket ? { createWebSocket: this.options.createWebSocket } : {}),
    });
    this.client = client;
    this.savedOnConnection = false;
    this.refusal = null;
    this.closingNotice = null;
    this.openedAt = null;

    let ended = false;
    const offMessage = client.onMessage((message) => {
      if (isCurrent()) this.handleMessage(message);
    });
    const end = (info: CloseInfo) => {
      if (ended) return;
      ended = true;
      offMessage();
      offClose();
      if (isCurrent()) this.handleDisconnect(info);
    };
    const offClose = client.onClose(end);

    this.update({ status: this.attempt > 0 ? "reconnecting" : "connecting", retryInMs: null });
    try {
      await client.open();
    } catch {
      // A failed connection normally also reports a close (1006); whichever comes first wins.
      end({ code: 1006, reason: "Could not connect.", wasClean: false });
      return;
    }
    if (!isCurrent()) return;

    this.update({ status: "authenticating" });
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (error) {
      if (!isCurrent()) return;
      const reason = error instanceof Error ? error : new Error(String(error));
      this.running = false;
      this.generation += 1;
      this.client = null;
      void client.close(CLOSE_NORMAL, "Not authenticated.");
      this.update({
        status: "closed",
        error: "Your login has expired. Please log in again.",
        errorCode: "unauthenticated",
      });
      this.options.onUnauthenticated?.(reason);
      return;
    }
    // Closed while the token was being fetched: the close handler takes over.
    if (!isCurrent() || !client.isOpen) return;

    try {
      const initialised = await client.authenticate(token, this.options.authTimeoutMs ?? 15_000);
      if (!isCurrent()) return;
      this.openedAt = Date.now();
      this.update({
        status: "open",
        user: initialised.data.user,
        draft: initialised.data.draft ?? null,
        error: null,
        errorCode: null,
        closing: null,
        saved: false,
        reconnectAttempt: 0,
        retryInMs: null,
      });
      this.startRenewing(token);
    } catch (error) {
      if (!isCurrent() || !(error instanceof SocketAuthError)) return;
      if (error.code === "timeout") {
        void client.close(CLOSE_AUTH_TIMEOUT, "Authentication timed out.");
      } else if (REFUSAL_CODES.has(error.code)) {
        // The server refused the token; it closes with 1008 itself, this is a fallback.
        void client.close(CLOSE_NORMAL, "Authentication failed.");
      }
      // Anything else (`unavailable`, `internal`): the server closes, and its code says
      // whether to come back (1013 and 1011 do).
    }
  }

  private handleMessage(message: ServerMessage): void {
    if (message.state === "error" && REFUSAL_CODES.has(message.code)) this.refusal = message;
    if (message.state === "closing") this.closingNotice = message.data;
    if (message.state === "save") this.savedOnConnection = true;
    this.options.onMessage?.(message);
  }

  // Token renewal

  private startRenewing(token: string): void {
    this.socketToken = token;
    this.scheduleRenewal(token);
    this.stopFollowingTokens =
      this.options.subscribeToTokens?.((fresh) => {
        this.renewWith(fresh);
      }) ?? null;
  }

  private stopRenewing(): void {
    clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
    this.stopFollowingTokens?.();
    this.stopFollowingTokens = null;
    this.socketToken = null;
  }

  /** Fetches a new token some time before `token` expires, and sends it. */
  private scheduleRenewal(token: string): void {
    clearTimeout(this.renewTimer);
    const expiresAt = (this.options.tokenExpiresAt ?? jwtExpiry)(token);
    if (expiresAt === null) return;
    const lifeLeft = expiresAt - Date.now();
    const renewBefore = this.options.renewBeforeMs ?? DEFAULT_RENEW_BEFORE_MS;
    // Not before half the life left, so that short-lived tokens do not renew in a tight loop.
    const delay = Math.min(
      MAX_TIMER_MS,
      Math.max(MIN_RENEW_DELAY_MS, lifeLeft - renewBefore, lifeLeft / 2),
    );
    const client = this.client;
    this.renewTimer = setTimeout(() => {
      this.renewTimer = undefined;
      (this.options.renewToken ?? this.options.getToken)().then(
        (fresh) => {
          if (client === this.client) this.renewWith(fresh);
        },
        () => {
          // No new token (logged out, or the server is unreachable): when the old one
          // expires the server refuses the socket (unauthorized, 1008), shown as usual.
        },
      );
    }, delay);
  }

  /** Sends `{"state": "token"}` with `token`, unless the socket already has it. */
  private renewWith(token: string): void {
    const client = this.openClient();
    if (!client || token === this.socketToken) return;
    this.socketToken = token;
    this.scheduleRenewal(token);
    client
      .request("token", { token }, { timeoutMs: this.options.requestTimeoutMs ?? 30_000 })
      .catch(() => {
        // A refused token is an `unauthorized` error and a 1008 close: handleDisconnect reports it.
      });
  }

  private handleDisconnect(info: CloseInfo): void {
    this.client = null;
    this.stopRenewing();
    const stableFor = this.openedAt === null ? 0 : Date.now() - this.openedAt;
    if (stableFor >= this.reconnectOptions.stableAfterMs) this.attempt = 0;

    const closing = this.closingNotice;
    const outcome = closeOutcome(info, this.refusal, closing);
    if (outcome.kind === "refused") {
      this.running = false;
      this.update({
        status: "closed",
        lastClose: info,
        closing,
        error: outcome.error,
        errorCode: outcome.errorCode,
        retryInMs: null,
      });
      return;
    }
    if (outcome.kind === "ended") {
      this.running = false;
      this.update({
        status: "closed",
        lastClose: info,
        closing,
        saved: this.savedOnConnection,
        retryInMs: null,
      });
      return;
    }
    if (this.attempt >= this.reconnectOptions.maxAttempts) {
      this.running = false;
      this.update({
        status: "closed",
        lastClose: info,
        closing,
        error: "Could not reconnect to the server.",
        errorCode: "reconnect_failed",
        retryInMs: null,
      });
      return;
    }

    this.attempt += 1;
    const delay = backoffDelay(this.attempt, this.reconnectOptions, this.options.random);
    this.update({
      status: "reconnecting",
      lastClose: info,
      // An attempt that failed says nothing of its own: why the page is reconnecting (the
      // server's shutdown notice) stays until a connection opens.
      closing: closing ?? this.snapshot.closing,
      reconnectAttempt: this.attempt,
      retryInMs: delay,
    });
    this.schedule(delay);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.retryTimer);
    const generation = this.generation;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (generation === this.generation && this.running) void this.connect();
    }, delayMs);
  }
}
