import {
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
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export interface SessionSnapshot {
  status: ConnectionStatus;
  /** The user from the last `initialised`. */
  user: SocketUser | null;
  /** `initialised.data.draft`: an unsaved session the server resumed. */
  draft: JsonObject | null;
  /** Why the session stopped for good (authentication, policy close, gave up reconnecting). */
  error: string | null;
  errorCode: string | null;
  lastClose: CloseInfo | null;
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
  saved: false,
  reconnectAttempt: 0,
  retryInMs: null,
};

export interface SocketSessionOptions {
  url: string;
  /** A fresh access token, fetched anew for every (re)connection. */
  getToken: () => Promise<string>;
  createWebSocket?: (url: string) => WebSocket;
  reconnect?: Partial<ReconnectOptions>;
  /** Source of jitter; tests make it deterministic. */
  random?: () => number;
  /** How long to wait for `initialised` after sending the token. */
  authTimeoutMs?: number;
  /** Default timeout of `request()`. */
  requestTimeoutMs?: number;
  /** Every message from the server after the socket opened, `initialised` included. */
  onMessage?: (message: ServerMessage) => void;
  /** `getToken` failed: the user must log in again. */
  onUnauthenticated?: (error: Error) => void;
}

const CLOSE_NORMAL = 1000;
const CLOSE_POLICY = 1008;
const CLOSE_AUTH_TIMEOUT = 4000;

/**
 * One authenticated socket session with automatic reconnect. Framework-free;
 * `useSocketSession` wraps it for React.
 *
 * Reconnects after any close except 1000 (normal: after `save`, idle timeout,
 * or our own close) and 1008 (policy: authentication or rate limit), which
 * need a person to act.
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
  private lastServerError: ErrorMessage | null = null;
  private authFailure: SocketAuthError | null = null;

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
    this.update({ status: "connecting", error: null, errorCode: null, saved: false, reconnectAttempt: 0, retryInMs: null });
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
  readonly request = (state: string, data: JsonObject = {}, options: { timeoutMs?: number } = {}): Promise<ServerMessage> => {
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
    this.lastServerError = null;
    this.authFailure = null;
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
        saved: false,
        reconnectAttempt: 0,
        retryInMs: null,
      });
    } catch (error) {
      if (!isCurrent() || !(error instanceof SocketAuthError)) return;
      if (error.code === "timeout") {
        void client.close(CLOSE_AUTH_TIMEOUT, "Authentication timed out.");
      } else if (error.code !== "closed") {
        // The server refused the token; it closes with 1008 itself, this is a fallback.
        this.authFailure = error;
        void client.close(CLOSE_NORMAL, "Authentication failed.");
      }
    }
  }

  private handleMessage(message: ServerMessage): void {
    if (message.state === "error") this.lastServerError = message;
    if (message.state === "save") this.savedOnConnection = true;
    this.options.onMessage?.(message);
  }

  private handleDisconnect(info: CloseInfo): void {
    this.client = null;
    const stableFor = this.openedAt === null ? 0 : Date.now() - this.openedAt;
    if (stableFor >= this.reconnectOptions.stableAfterMs) this.attempt = 0;

    const serverError = this.lastServerError;
    if (info.code === CLOSE_POLICY || this.authFailure) {
      this.running = false;
      this.update({
        status: "closed",
        lastClose: info,
        error:
          serverError?.error ??
          this.authFailure?.message ??
          (info.reason || "The server closed the connection (policy violation)."),
        errorCode: serverError?.code ?? this.authFailure?.code ?? "policy",
        retryInMs: null,
      });
      return;
    }
    if (info.code === CLOSE_NORMAL) {
      this.running = false;
      this.update({ status: "closed", lastClose: info, saved: this.savedOnConnection, retryInMs: null });
      return;
    }
    if (this.attempt >= this.reconnectOptions.maxAttempts) {
      this.running = false;
      this.update({
        status: "closed",
        lastClose: info,
        error: "Could not reconnect to the server.",
        errorCode: "reconnect_failed",
        retryInMs: null,
      });
      return;
    }

    this.attempt += 1;
    const delay = backoffDelay(this.attempt, this.reconnectOptions, this.options.random);
    this.update({ status: "reconnecting", lastClose: info, reconnectAttempt: this.attempt, retryInMs: delay });
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
