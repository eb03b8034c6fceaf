import { jwtExpiry } from "./auth";
import { CLOSES_WITH, type CloseCode, type SessionDescription, type SocketUser } from "./protocol";
import {
  type ClosingNotice,
  type CloseInfo,
  type ErrorMessage,
  type ServerMessage,
  SocketAuthError,
  SocketClient,
} from "./websocketAPI";

export type ConnectionStatus = "connecting" | "authenticating" | "open" | "reconnecting" | "closed";

/** Gives up after `maxAttempts` failures in a row; a connection open `stableAfterMs` resets it. */
const DEFAULT_RECONNECT = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxAttempts: Number.POSITIVE_INFINITY,
  stableAfterMs: 5_000,
};
type ReconnectOptions = typeof DEFAULT_RECONNECT;

/**
 * Delay before attempt `attempt` (from 1): exponential, capped, with "equal jitter" (half to all of
 * it), so that clients dropped together by a restarting server do not come back in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: Pick<ReconnectOptions, "baseDelayMs" | "maxDelayMs"> = DEFAULT_RECONNECT,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

const CLOSE_NORMAL = 1000 satisfies CloseCode;
const CLOSE_POLICY = 1008 satisfies CloseCode;
const CLOSE_TOO_BIG = 1009 satisfies CloseCode;

/** Errors the server closes with a refusal (policy, size): a new socket would only meet them again. */
const REFUSAL_CODES: ReadonlySet<string> = new Set(
  Object.entries(CLOSES_WITH)
    .filter(([, close]) => close === CLOSE_POLICY || close === CLOSE_TOO_BIG)
    .map(([code]) => code),
);

/** Closes that refuse with no error before them: what to say, and the code. */
const REFUSING_CLOSES: Partial<Record<number, [error: string, errorCode: string]>> = {
  [CLOSE_POLICY]: ["The server closed the connection (policy violation).", "policy"],
  [CLOSE_TOO_BIG]: ["A message was too big for the server.", "message_too_big"],
};

/** `reconnect` on its own, with backoff; after `ended` or `refused`, a person reconnects by hand. */
export type CloseOutcome =
  { kind: "reconnect" | "ended" } | { kind: "refused"; error: string; errorCode: string };

/**
 * Whether a close is final, given the server's last refusal and `closing` notice: a refusal or an
 * idle close is (reconnecting would repeat the fault, or keep a socket open for nobody).
 */
export function closeOutcome(
  close: Pick<CloseInfo, "code" | "reason">,
  refusal: Pick<ErrorMessage, "error" | "code"> | null,
  closing: ClosingNotice | null,
): CloseOutcome {
  if (refusal) return { kind: "refused", error: refusal.error, errorCode: refusal.code };
  if (closing?.reason === "idle") return { kind: "ended" };
  if (closing?.reason === "shutdown") return { kind: "reconnect" };
  if (close.code === CLOSE_NORMAL) return { kind: "ended" };
  const refused = REFUSING_CLOSES[close.code];
  if (!refused) return { kind: "reconnect" };
  return { kind: "refused", error: close.reason || refused[0], errorCode: refused[1] };
}

export interface SessionSnapshot {
  status: ConnectionStatus;
  /** From the last `initialised`: the user, and the unsaved session the server resumed. */
  user: SocketUser | null;
  draft: SessionDescription | null;
  /** Why the session stopped for good (authentication, policy close, gave up reconnecting). */
  error: string | null;
  errorCode: string | null;
  lastClose: CloseInfo | null;
  /** What the server said before its last close (idle, shutdown); null once connected again. */
  closing: ClosingNotice | null;
  /** The server closed the connection after a successful `save`. */
  saved: boolean;
  reconnectAttempt: number;
  retryInMs: number | null;
}

const STARTING: SessionSnapshot = {
  status: "connecting",
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
  /** Fetched anew for every (re)connection. */
  getToken: () => Promise<string>;
  /** To renew an open socket's authentication; defaults to getToken. */
  renewToken?: () => Promise<string>;
  /** When `token` expires, in epoch ms; null when unknown. Defaults to the JWT's `exp`. */
  tokenExpiresAt?: (token: string) => number | null;
  /** Calls `listener` with every new access token the app gets. */
  subscribeToTokens?: (listener: (token: string) => void) => () => void;
}

export interface SocketSessionOptions extends TokenSource {
  url: string;
  createWebSocket?: (url: string) => WebSocket;
  reconnect?: Partial<ReconnectOptions>;
  random?: () => number;
  /** How long to wait for `initialised`, and for a request's answer. */
  authTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** An open socket sends a new token this long before its token expires (60 s by default). */
  renewBeforeMs?: number;
  onMessage?: (message: ServerMessage) => void;
  /** `getToken` failed: the user must log in again. */
  onUnauthenticated?: (error: Error) => void;
}

/** An authenticated socket that reconnects and renews its token; `useSocketSession` wraps it. */
export class SocketSession {
  private snapshot = STARTING;
  private readonly listeners = new Set<() => void>();
  private client: SocketClient | null = null;
  /** Bumped on every connection and on stop(): late events of old sockets are ignored. */
  private generation = 0;
  private running = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private openedAt: number | null = null;
  private saved = false;
  private refusal: ErrorMessage | null = null;
  private closing: ClosingNotice | null = null;
  /** The token the open socket is authenticated with, or last sent to renew it. */
  private socketToken: string | null = null;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private stopFollowingTokens: (() => void) | undefined;

  constructor(private options: SocketSessionOptions) {}

  /** New options, read when next used. */
  configure(options: SocketSessionOptions): void {
    this.options = options;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): SessionSnapshot => this.snapshot;

  readonly start = (): void => {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.update(STARTING);
    // On the next tick: React's StrictMode mounts, unmounts and mounts again at once.
    this.schedule(0);
  };

  /** Closes the socket (1000) and stops reconnecting. */
  readonly stop = (reason = "Client closed the session."): void => {
    this.running = false;
    this.generation += 1;
    clearTimeout(this.retryTimer);
    this.stopRenewing();
    void this.client?.close(CLOSE_NORMAL, reason);
    this.client = null;
    this.update({ status: "closed", retryInMs: null });
  };

  readonly reconnect = (): void => {
    this.stop();
    this.start();
  };

  /** Fire-and-forget `{state, data}`, or one raw text frame: false when the socket is not open. */
  readonly send = (state: string, data: object = {}): boolean => {
    const client = this.openClient();
    client?.send(state, data);
    return client !== null;
  };

  readonly sendRaw = (text: string): boolean => {
    const client = this.openClient();
    client?.sendRaw(text);
    return client !== null;
  };

  /** Rejects on an error response, a close or a timeout. */
  readonly request = (state: string, data: object = {}): Promise<ServerMessage> => {
    const client = this.openClient();
    if (!client) return Promise.reject(new Error("The connection is not open."));
    return client.request(state, data, this.options.requestTimeoutMs ?? 30_000);
  };

  private openClient(): SocketClient | null {
    return this.snapshot.status === "open" && this.client?.isOpen ? this.client : null;
  }

  private update(patch: Partial<SessionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    const isCurrent = () => generation === this.generation && this.running;
    const { url, createWebSocket } = this.options;
    const client = new SocketClient(url, { createWebSocket });
    this.client = client;
    this.saved = false;
    this.refusal = null;
    this.closing = null;
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
      // A failed connection usually reports a close too; whichever comes first wins.
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
      this.stop("Not authenticated.");
      this.update({
        error: "Your login has expired. Please log in again.",
        errorCode: "unauthenticated",
      });
      this.options.onUnauthenticated?.(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    // Closed while the token was being fetched: the close handler takes over.
    if (!isCurrent() || !client.isOpen) return;

    try {
      const { data } = await client.authenticate(token, this.options.authTimeoutMs ?? 15_000);
      if (!isCurrent()) return;
      this.openedAt = Date.now();
      this.update({ ...STARTING, status: "open", user: data.user, draft: data.draft ?? null });
      this.scheduleRenewal(token);
      this.stopFollowingTokens = this.options.subscribeToTokens?.((fresh) => {
        this.renewWith(fresh);
      });
    } catch (error) {
      if (!isCurrent() || !(error instanceof SocketAuthError)) return;
      // A refused token the server closes with 1008 itself (this is a fallback); anything else
      // (`unavailable`, `internal`) with a code that says whether to come back.
      // 4000: the client's own code (4000-4999 are for applications).
      if (error.code === "timeout") void client.close(4000, "Authentication timed out.");
      else if (REFUSAL_CODES.has(error.code))
        void client.close(CLOSE_NORMAL, "Authentication failed.");
    }
  }

  private handleMessage(message: ServerMessage): void {
    if (message.state === "error" && REFUSAL_CODES.has(message.code)) this.refusal = message;
    if (message.state === "closing") this.closing = message.data;
    if (message.state === "save") this.saved = true;
    this.options.onMessage?.(message);
  }

  private stopRenewing(): void {
    clearTimeout(this.renewTimer);
    this.stopFollowingTokens?.();
    this.stopFollowingTokens = undefined;
    this.socketToken = null;
  }

  /** The socket has `token`: fetches a new one some time before it expires, and sends it. */
  private scheduleRenewal(token: string): void {
    this.socketToken = token;
    clearTimeout(this.renewTimer);
    const expiresAt = (this.options.tokenExpiresAt ?? jwtExpiry)(token);
    if (expiresAt === null) return;
    const lifeLeft = expiresAt - Date.now();
    const renewBefore = this.options.renewBeforeMs ?? 60_000;
    // At least a second, and not before half the life left: short-lived tokens do not loop. At
    // most setTimeout's longest delay, as a longer one fires at once.
    const delay = Math.min(2 ** 31 - 1, Math.max(1_000, lifeLeft - renewBefore, lifeLeft / 2));
    const client = this.client;
    this.renewTimer = setTimeout(() => {
      // No new token: the server refuses the socket when the old one expires, shown as usual.
      (this.options.renewToken ?? this.options.getToken)().then(
        (fresh) => {
          if (client === this.client) this.renewWith(fresh);
        },
        () => undefined,
      );
    }, delay);
  }

  /** Sends `token` over the socket, unless it already has it. */
  private renewWith(token: string): void {
    if (!this.openClient() || token === this.socketToken) return;
    this.scheduleRenewal(token);
    // A refused token is an error and a close, reported as such.
    this.request("token", { token }).catch(() => undefined);
  }

  private handleDisconnect(lastClose: CloseInfo): void {
    this.client = null;
    this.stopRenewing();
    const stableFor = this.openedAt === null ? 0 : Date.now() - this.openedAt;
    const reconnect = { ...DEFAULT_RECONNECT, ...this.options.reconnect };
    if (stableFor >= reconnect.stableAfterMs) this.attempt = 0;

    const closing = this.closing;
    let outcome = closeOutcome(lastClose, this.refusal, closing);
    if (outcome.kind === "reconnect" && this.attempt >= reconnect.maxAttempts) {
      const error = "Could not reconnect to the server.";
      outcome = { kind: "refused", error, errorCode: "reconnect_failed" };
    }
    if (outcome.kind !== "reconnect") {
      this.running = false;
      const { error, errorCode } = outcome.kind === "refused" ? outcome : this.snapshot;
      const saved = outcome.kind === "ended" && this.saved;
      this.update({
        status: "closed",
        lastClose,
        closing,
        retryInMs: null,
        error,
        errorCode,
        saved,
      });
      return;
    }
    this.attempt += 1;
    const delay = backoffDelay(this.attempt, reconnect, this.options.random);
    this.update({
      status: "reconnecting",
      lastClose,
      // A failed attempt says nothing of its own: why the page is reconnecting (the server's
      // shutdown notice) stays until a connection opens.
      closing: closing ?? this.snapshot.closing,
      reconnectAttempt: this.attempt,
      retryInMs: delay,
    });
    this.schedule(delay);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      void this.connect();
    }, delayMs);
  }
}
