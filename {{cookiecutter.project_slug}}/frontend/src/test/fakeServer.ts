import type { AddressInfo } from "node:net";

import { type RawData, WebSocket as WsSocket, WebSocketServer } from "ws";

import {
  type ClosingData,
  CLOSES_WITH,
  type CloseCode,
  type ErrorFrame,
  SOCKET_PATH,
} from "../api/protocol";

/*
 * A real websocket server on 127.0.0.1 (random port) for the tests, plus a
 * small implementation of the protocol's scaffold (the backend's app/realtime/).
 */

export interface CloseRecord {
  code: number;
  reason: string;
}

type Frame = Record<string, unknown> | string;

export class FakeConnection {
  readonly socket: WsSocket;
  /** Every frame received, JSON-decoded when it was JSON. */
  readonly received: Frame[] = [];
  readonly closed: Promise<CloseRecord>;
  private waiters: ((frame: Frame) => void)[] = [];
  private cursor = 0;

  constructor(socket: WsSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      socket.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
      });
    });
    socket.on("message", (raw: RawData, isBinary) => {
      const text = isBinary ? "<binary>" : rawToString(raw);
      let frame: Frame;
      try {
        const parsed: unknown = JSON.parse(text);
        frame =
          typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : text;
      } catch {
        frame = text;
      }
      this.received.push(frame);
      const waiter = this.waiters.shift();
      if (waiter) {
        this.cursor += 1;
        waiter(frame);
      }
    });
  }

  /** The next frame not yet taken with nextFrame(). */
  nextFrame(timeoutMs = 3000): Promise<Frame> {
    if (this.cursor < this.received.length) {
      const frame = this.received[this.cursor];
      this.cursor += 1;
      if (frame !== undefined) return Promise.resolve(frame);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error("No frame arrived in time."));
      }, timeoutMs);
      this.waiters.push((frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  close(code: number, reason = ""): void {
    this.socket.close(code, reason);
  }

  /** Closes as the server does on its own: says why first, then closes with 1000 (idle) or 1001 (shutdown). */
  closeWithNotice(reason: ClosingData["reason"], message: string): void {
    this.send({ state: "closing", data: { reason, message } });
    this.close(reason === "idle" ? 1000 : 1001);
  }

  /** Sends an error that closes the socket, then closes it with the protocol's code for it: the server's refusals. */
  refuse(code: keyof typeof CLOSES_WITH, error: string): void {
    this.send({ state: "error", error, code } satisfies ErrorFrame);
    this.close(CLOSES_WITH[code]);
  }

  /** Drops the TCP connection without a close frame (the client sees 1006). */
  terminate(): void {
    this.socket.terminate();
  }
}

function rawToString(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString("utf8");
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString("utf8");
  return raw.toString("utf8");
}

export class FakeServer {
  readonly wss: WebSocketServer;
  readonly url: string;
  readonly connections: FakeConnection[] = [];
  private waiters: ((connection: FakeConnection) => void)[] = [];
  private taken = 0;

  private constructor(wss: WebSocketServer, onConnection?: (connection: FakeConnection) => void) {
    this.wss = wss;
    const { port } = wss.address() as AddressInfo;
    this.url = `ws://127.0.0.1:${String(port)}${SOCKET_PATH}`;
    wss.on("connection", (socket) => {
      const connection = new FakeConnection(socket);
      this.connections.push(connection);
      onConnection?.(connection);
      const waiter = this.waiters.shift();
      if (waiter) {
        this.taken += 1;
        waiter(connection);
      }
    });
  }

  static start(onConnection?: (connection: FakeConnection) => void): Promise<FakeServer> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
      wss.once("error", reject);
      wss.once("listening", () => {
        resolve(new FakeServer(wss, onConnection));
      });
    });
  }

  /** The next connection not yet taken with nextConnection(). */
  nextConnection(timeoutMs = 3000): Promise<FakeConnection> {
    if (this.taken < this.connections.length) {
      const connection = this.connections[this.taken];
      this.taken += 1;
      if (connection) return Promise.resolve(connection);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error("No connection arrived in time."));
      }, timeoutMs);
      this.waiters.push((connection) => {
        clearTimeout(timer);
        resolve(connection);
      });
    });
  }

  /** What a server does on SIGTERM: tells every socket it shuts down and closes it with 1001. */
  shutDown(message = "The server is restarting."): void {
    for (const connection of this.connections) {
      if (connection.socket.readyState === WsSocket.OPEN)
        connection.closeWithNotice("shutdown", message);
    }
  }

  close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    return new Promise((resolve) => {
      this.wss.close(() => {
        resolve();
      });
    });
  }
}

export interface ScaffoldOptions {
  /** Tokens the server accepts, at the handshake and in `token`. */
  validTokens?: readonly string[];
  user?: { id: string; email: string };
  /** Sent as `initialised.data.draft`; later, a session started and not saved when its socket closed. */
  draft?: Record<string, unknown> | null;
  /** No frame from the client for this long: `closing` (idle), then 1000. */
  idleTimeoutMs?: number;
  /** A bigger frame: `message_too_big`, then 1009. */
  maxMessageBytes?: number;
  /** Frames allowed per connection, the token's included; the next one: `rate_limited`, then 1008. */
  maxFrames?: number;
  /** Handshakes answered `unavailable`, then 1013 (the database did not answer in time), before one succeeds. */
  busyHandshakes?: number;
}

const STARTED_SESSION = { something: "yes, something" };

/** The scaffold's server side: handshake, ping, startThings, save, token, errors, limits, drafts. */
export function scaffold(options: ScaffoldOptions = {}): (connection: FakeConnection) => void {
  const validTokens = options.validTokens ?? ["good-token"];
  const user = options.user ?? {
    id: "6f1c0c1e-0000-4000-8000-000000000001",
    email: "user@example.com",
  };
  // One user: their draft outlives the connection that left it.
  let draft = options.draft ?? null;
  return (connection) => {
    let authenticated = false;
    let started = false;
    let saved = false;
    let frames = 0;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const restartIdleTimer = () => {
      if (options.idleTimeoutMs === undefined) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        connection.closeWithNotice("idle", "Closed after a while without any message.");
      }, options.idleTimeoutMs);
    };
    restartIdleTimer();
    connection.socket.on("close", () => {
      clearTimeout(idleTimer);
      if (started && !saved) draft = STARTED_SESSION;
    });
    connection.socket.on("message", (raw: RawData, isBinary) => {
      restartIdleTimer();
      const text = isBinary ? "" : rawToString(raw);
      frames += 1;
      if (
        options.maxMessageBytes !== undefined &&
        Buffer.byteLength(text) > options.maxMessageBytes
      ) {
        connection.refuse("message_too_big", "The message is too big.");
        return;
      }
      if (options.maxFrames !== undefined && frames > options.maxFrames) {
        connection.refuse("rate_limited", "Too many messages; slow down.");
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        connection.send({
          state: "error",
          error: "The message is not valid JSON.",
          code: "invalid_json",
          id: null,
        } satisfies ErrorFrame);
        return;
      }
      if (!authenticated) {
        if (options.busyHandshakes) {
          options.busyHandshakes -= 1;
          // The close comes a moment after the error, as it may from a real server.
          connection.send({
            state: "error",
            error: "The database is busy; try again in a moment.",
            code: "unavailable",
          } satisfies ErrorFrame);
          setTimeout(() => {
            connection.close(1013 satisfies CloseCode);
          }, 30);
          return;
        }
        const token =
          typeof message === "object" && message !== null && "token" in message
            ? message.token
            : undefined;
        if (typeof token === "string" && validTokens.includes(token)) {
          authenticated = true;
          const data: Record<string, unknown> = { user };
          if (draft) data.draft = draft;
          started = draft !== null;
          connection.send({ state: "initialised", data });
        } else {
          connection.refuse("unauthorized", "Could not validate credentials.");
        }
        return;
      }
      if (
        typeof message !== "object" ||
        message === null ||
        Array.isArray(message) ||
        !("state" in message)
      ) {
        connection.send({
          state: "error",
          error: "A request must be an object with a state.",
          code: "invalid_request",
          id: null,
        } satisfies ErrorFrame);
        return;
      }
      const request = message as { state: unknown; data?: unknown; id?: unknown };
      const id = request.id ?? null;
      const reply = (payload: Record<string, unknown>) => {
        connection.send(id === null ? payload : { ...payload, id });
      };
      switch (request.state) {
        case "ping":
          reply({ state: "pong", data: request.data ?? {} });
          break;
        case "startThings":
          started = true;
          reply({ state: "startThings", data: { something: "yes, something" } });
          break;
        case "save":
          if (!started) {
            reply({
              state: "error",
              error: "Start the session before saving it.",
              code: "not_allowed",
            } satisfies ErrorFrame);
            break;
          }
          saved = true;
          draft = null;
          reply({ state: "save", data: { saved: true } });
          connection.close(1000, "Session saved.");
          break;
        case "token": {
          const data = request.data;
          const fresh =
            typeof data === "object" && data !== null && "token" in data ? data.token : undefined;
          if (typeof fresh === "string" && validTokens.includes(fresh)) {
            reply({
              state: "token",
              data: { expires_at: new Date(Date.now() + 900_000).toISOString() },
            });
          } else {
            reply({
              state: "error",
              error: "Could not validate credentials.",
              code: "unauthorized",
            } satisfies ErrorFrame);
            connection.close(CLOSES_WITH.unauthorized);
          }
          break;
        }
        default:
          reply({
            state: "error",
            error: `Unknown state: ${String(request.state)}.`,
            code: "unknown_state",
          } satisfies ErrorFrame);
      }
    });
  };
}

/**
 * `ws`'s client as a browser WebSocket: websocket-as-promised subscribes with
 * the first of addListener/addEventListener/on it finds, and `ws` has the
 * Node-style addListener, whose events are not browser events.
 */
export function nodeWebSocket(url: string): WebSocket {
  const socket = new WsSocket(url);
  const adapter = {
    get readyState() {
      return socket.readyState;
    },
    send: (data: string) => {
      socket.send(data);
    },
    close: (code?: number, reason?: string) => {
      socket.close(code, reason);
    },
    addEventListener: socket.addEventListener.bind(socket),
    removeEventListener: socket.removeEventListener.bind(socket),
  };
  return adapter as unknown as WebSocket;
}

/** Resolves once `predicate` holds, polling every few ms. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 3000,
  message = "condition",
): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${message}.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
