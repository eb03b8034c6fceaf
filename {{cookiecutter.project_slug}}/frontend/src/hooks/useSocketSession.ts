import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from "react";

import { auth, jwtExpiry, socketTokenSource } from "../api/auth";
import { SOCKET_URL } from "../api/core";
import {
  INITIAL_SNAPSHOT,
  type ReconnectOptions,
  type SessionSnapshot,
  SocketSession,
  type TokenSource,
} from "../api/socketSession";
import type { MessageOf, ServerMessage, ServerState } from "../api/websocketAPI";

export type MessageHandlers = {
  [S in ServerState]?: (message: MessageOf<S>) => void;
};

/** Calls the handler registered for the message's state, else `fallback`. */
export function dispatchMessage(
  handlers: MessageHandlers,
  message: ServerMessage,
  fallback?: (message: ServerMessage) => void,
): void {
  const handler = handlers[message.state] as ((message: ServerMessage) => void) | undefined;
  if (handler) handler(message);
  else fallback?.(message);
}

const APP_TOKENS: TokenSource = socketTokenSource(auth);

export interface UseSocketSessionOptions extends Partial<TokenSource> {
  /** Defaults to `/api/v1/socket` on the API's host. */
  url?: string;
  /**
   * Without it, the socket takes the app's tokens (auth.ts) and sends it every
   * new one; with it, the other token options are the caller's too.
   */
  getToken?: () => Promise<string>;
  createWebSocket?: (url: string) => WebSocket;
  /** Handlers by `state`; the latest ones are used, they need not be memoised. */
  handlers?: MessageHandlers;
  /** Messages whose state has no handler. */
  onOtherMessage?: (message: ServerMessage) => void;
  onUnauthenticated?: (error: Error) => void;
  reconnect?: Partial<ReconnectOptions>;
  random?: () => number;
  authTimeoutMs?: number;
  requestTimeoutMs?: number;
  renewBeforeMs?: number;
  /** A change (e.g. the route's pathname) closes the socket and opens a new one. */
  resetKey?: string | number;
}

export interface SocketSessionApi extends SessionSnapshot {
  /** Fire-and-forget `{state, data}`; false when not open. */
  send: SocketSession["send"];
  /** `{state, data, id}` resolving with the response carrying that id. */
  request: SocketSession["request"];
  /** One text frame as it is; false when not open. */
  sendRaw: SocketSession["sendRaw"];
  /** A new connection, e.g. to start again after a save. */
  reconnect: SocketSession["reconnect"];
  /** Closes the socket and does not reconnect. */
  close: SocketSession["stop"];
}

function tokenSource({
  getToken,
  renewToken,
  tokenExpiresAt,
  subscribeToTokens,
}: UseSocketSessionOptions): TokenSource {
  return getToken ? { getToken, renewToken, tokenExpiresAt, subscribeToTokens } : APP_TOKENS;
}

/**
 * A stable store for React that follows whichever SocketSession is current:
 * the hook makes a new session per connection config, inside an effect.
 */
class SessionBinding {
  private session: SocketSession | null = null;
  // The hook connects as soon as it mounts, so the first render already says so.
  private snapshot: SessionSnapshot = { ...INITIAL_SNAPSHOT, status: "connecting" };
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | null = null;

  attach(session: SocketSession): void {
    this.unsubscribe?.();
    this.session = session;
    this.unsubscribe = session.subscribe(() => {
      this.setSnapshot(session.getSnapshot());
    });
    this.setSnapshot(session.getSnapshot());
  }

  detach(session: SocketSession): void {
    if (this.session !== session) return;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.session = null;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): SessionSnapshot => this.snapshot;

  readonly send: SocketSession["send"] = (state, data) => this.session?.send(state, data) ?? false;
  readonly sendRaw: SocketSession["sendRaw"] = (text) => this.session?.sendRaw(text) ?? false;
  readonly request: SocketSession["request"] = (state, data, options) =>
    this.session
      ? this.session.request(state, data, options)
      : Promise.reject(new Error("The connection is not open."));
  readonly reconnect = (): void => {
    this.session?.reconnect();
  };
  readonly close = (): void => {
    this.session?.stop();
  };

  private setSnapshot(snapshot: SessionSnapshot): void {
    this.snapshot = snapshot;
    for (const listener of this.listeners) listener();
  }
}

/**
 * Opens an authenticated socket session for as long as the component is
 * mounted (and `url`/`resetKey` stay the same), reconnecting with backoff after
 * unexpected closes and renewing its token before it expires; every message is
 * dispatched by `state` to `handlers`.
 */
export function useSocketSession(options: UseSocketSessionOptions = {}): SocketSessionApi {
  // Callbacks are read through a ref so that passing new functions on every
  // render neither reconnects nor calls stale closures.
  const latest = useRef(options);
  useLayoutEffect(() => {
    latest.current = options;
  });
  const [binding] = useState(() => new SessionBinding());

  const url = options.url ?? SOCKET_URL;
  const { resetKey, authTimeoutMs, requestTimeoutMs, renewBeforeMs } = options;
  const baseDelayMs = options.reconnect?.baseDelayMs;
  const maxDelayMs = options.reconnect?.maxDelayMs;
  const maxAttempts = options.reconnect?.maxAttempts;
  const stableAfterMs = options.reconnect?.stableAfterMs;

  useEffect(() => {
    const reconnect: Partial<ReconnectOptions> = {};
    if (baseDelayMs !== undefined) reconnect.baseDelayMs = baseDelayMs;
    if (maxDelayMs !== undefined) reconnect.maxDelayMs = maxDelayMs;
    if (maxAttempts !== undefined) reconnect.maxAttempts = maxAttempts;
    if (stableAfterMs !== undefined) reconnect.stableAfterMs = stableAfterMs;
    const session = new SocketSession({
      url,
      reconnect,
      ...(authTimeoutMs === undefined ? {} : { authTimeoutMs }),
      ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
      ...(renewBeforeMs === undefined ? {} : { renewBeforeMs }),
      getToken: () => tokenSource(latest.current).getToken(),
      renewToken: () => {
        const source = tokenSource(latest.current);
        return (source.renewToken ?? source.getToken)();
      },
      tokenExpiresAt: (token) => (tokenSource(latest.current).tokenExpiresAt ?? jwtExpiry)(token),
      subscribeToTokens: (listener) =>
        tokenSource(latest.current).subscribeToTokens?.(listener) ?? (() => undefined),
      createWebSocket: (socketUrl) => {
        const create = latest.current.createWebSocket;
        return create ? create(socketUrl) : new WebSocket(socketUrl);
      },
      random: () => (latest.current.random ?? Math.random)(),
      onMessage: (message) => {
        const current = latest.current;
        dispatchMessage(current.handlers ?? {}, message, current.onOtherMessage);
      },
      onUnauthenticated: (error) => {
        latest.current.onUnauthenticated?.(error);
      },
    });
    binding.attach(session);
    session.start();
    return () => {
      session.stop();
      binding.detach(session);
    };
    // resetKey is a dependency on purpose: a new key means a new connection.
  }, [
    binding,
    url,
    resetKey,
    authTimeoutMs,
    requestTimeoutMs,
    renewBeforeMs,
    baseDelayMs,
    maxDelayMs,
    maxAttempts,
    stableAfterMs,
  ]);

  const snapshot = useSyncExternalStore(
    binding.subscribe,
    binding.getSnapshot,
    binding.getSnapshot,
  );

  return {
    ...snapshot,
    send: binding.send,
    request: binding.request,
    sendRaw: binding.sendRaw,
    reconnect: binding.reconnect,
    close: binding.close,
  };
}
