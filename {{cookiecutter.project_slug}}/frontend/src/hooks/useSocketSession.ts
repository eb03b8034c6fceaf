import { useEffect, useLayoutEffect, useState, useSyncExternalStore } from "react";

import { auth, socketTokenSource } from "../api/auth";
import { SOCKET_URL } from "../api/core";
import {
  type SessionSnapshot,
  SocketSession,
  type SocketSessionOptions,
} from "../api/socketSession";
import type { MessageOf, ServerMessage, ServerState } from "../api/websocketAPI";

const APP_TOKENS = socketTokenSource(auth);

export interface UseSocketSessionOptions extends Partial<Omit<SocketSessionOptions, "onMessage">> {
  /** Without it, the app's tokens (auth.ts), each new one sent on; with it, the caller's. */
  getToken?: () => Promise<string>;
  /** Handlers by `state`; the latest ones are used, they need not be memoised. */
  handlers?: { [S in ServerState]?: (message: MessageOf<S>) => void };
  /** Messages whose state has no handler. */
  onOtherMessage?: (message: ServerMessage) => void;
  /** A change (e.g. the route's pathname) closes the socket and opens a new one. */
  resetKey?: string | number;
}

export type SocketSessionApi = SessionSnapshot &
  Pick<SocketSession, "send" | "request" | "sendRaw" | "reconnect">;

function sessionOptions(options: UseSocketSessionOptions): SocketSessionOptions {
  const { getToken, handlers = {}, onOtherMessage } = options;
  return {
    ...options,
    ...(getToken ? { getToken } : APP_TOKENS),
    url: options.url ?? SOCKET_URL,
    onMessage: (message) => {
      const handler = handlers[message.state] as ((message: ServerMessage) => void) | undefined;
      (handler ?? onOtherMessage)?.(message);
    },
  };
}

/** A socket session for as long as the component is mounted (with the same `url` and `resetKey`). */
export function useSocketSession(options: UseSocketSessionOptions = {}): SocketSessionApi {
  const [session] = useState(() => new SocketSession(sessionOptions(options)));
  // The session reads its options when it uses them: new callbacks neither reconnect nor go stale.
  useLayoutEffect(() => {
    session.configure(sessionOptions(options));
  });
  const { url, resetKey } = options;
  useEffect(() => {
    session.start();
    return session.stop;
  }, [session, url, resetKey]);

  const snapshot = useSyncExternalStore(session.subscribe, session.getSnapshot);
  const { send, request, sendRaw, reconnect } = session;
  return { ...snapshot, send, request, sendRaw, reconnect };
}
