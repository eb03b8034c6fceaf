import WebSocketAsPromised from "websocket-as-promised";

import type {
  ClosingData,
  ClosingFrame,
  ErrorFrame,
  InitialisedFrame,
  JoinReplyFrame,
  LeaveReplyFrame,
  MemberView,
  PingReplyFrame,
  PresenceFrame,
  PublishReplyFrame,
  PutOutData,
  PutOutFrame,
  Requests,
  RequestId,
  SaveReplyFrame,
  ServerFrame,
  SocketUser as ProtocolSocketUser,
  StartThingsReplyFrame,
  TokenFrame,
  TokenReplyFrame,
  UpdateFrame,
} from "./protocol";

/*
 * Client side of the session socket protocol: every frame is one JSON object; requests are
 * `{state, data, id}`, responses carry the request's `id`, errors are `{state: "error", error,
 * code, id}`. The frames' types are generated from the backend's description of the protocol
 * (protocol.ts, from asyncapi.json); the names below are the ones the rest of the page uses.
 */

export type { CloseCode, ErrorCode, RequestId } from "./protocol";

export type JsonObject = Record<string, unknown>;

export type SocketUser = ProtocolSocketUser;

/** Someone in a room as the others see them: by display name, never by email address. */
export type RoomMember = MemberView;

export type InitialisedMessage = InitialisedFrame;
export type PongMessage = PingReplyFrame;
export type StartThingsMessage = StartThingsReplyFrame;
export type SaveMessage = SaveReplyFrame;
/**
 * `epoch` changes whenever the room's numbering starts over (its seqs then mean nothing
 * from before). `history_complete` comes with a join that gave `since`: false when updates
 * were gone from the history, or `epoch` was not the room's (then nothing is replayed).
 */
export type JoinedMessage = JoinReplyFrame;
export type PresenceMessage = PresenceFrame;
export type UpdateMessage = UpdateFrame;
export type PublishedMessage = PublishReplyFrame;
/** Why the server put someone out of a room, unasked: its owner removed them (or closed it to them), or deleted it. */
export type LeftReason = PutOutData["reason"];
/**
 * The answer to `leave`; or, unasked (no id) and with a `reason`, the server put the
 * member out of the room: it is not to be joined again.
 */
export type LeftMessage = LeaveReplyFrame | PutOutFrame;
/** The answer to a `token` renewal: when the socket's authentication now expires (ISO 8601). */
export type TokenMessage = TokenReplyFrame;

/** Why the server is about to close the socket: nothing came from the client for too long, or it shuts down. */
export type ClosingReason = ClosingData["reason"];
export type ClosingNotice = Pick<ClosingData, "message"> & {
  /** One of ClosingReason; a string so that reasons added later still type-check. */
  reason: ClosingReason | (string & {});
};
/** Sent just before the server closes the socket: 1000 after `idle`, 1001 after `shutdown`. */
export type ClosingMessage = ClosingFrame;

/** An error as the client reads it (unpackMessage fills in `error` and `code`). */
export type ErrorMessage = Pick<ErrorFrame, "error" | "id"> & {
  state: "error";
  /** One of ErrorCode; a string so that codes added later still type-check. */
  code: ErrorFrame["code"] | (string & {});
  data?: JsonObject;
};

/** Every message the server sends. */
export type ServerMessage = Exclude<ServerFrame, ErrorFrame> | ErrorMessage;

export type ServerState = ServerMessage["state"];
export type MessageOf<S extends ServerState> = Extract<ServerMessage, { state: S }>;

/** The requests the server understands, by state: the `data` of each. */
export type RequestDataByState = { [S in keyof Requests]: Requests[S]["data"] };

export interface SocketRequest {
  state: string;
  data?: object;
  id?: RequestId;
}

/** The first frame: the access token. */
export type AuthMessage = TokenFrame;

/** The server answered a request with `{"state": "error"}`. */
export class SocketRequestError extends Error {
  readonly code: ErrorMessage["code"];
  readonly response: ErrorMessage;

  constructor(response: ErrorMessage) {
    super(response.error);
    this.name = "SocketRequestError";
    this.code = response.code;
    this.response = response;
  }
}

/** Authentication failed, or the socket closed before the server answered it. */
export class SocketAuthError extends Error {
  readonly code: string;

  constructor(message: string, code: string) {
    super(message);
    this.name = "SocketAuthError";
    this.code = code;
  }
}

export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

export function isServerMessage(value: unknown): value is ServerMessage {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    "state" in value &&
    typeof value.state === "string"
  );
}

/**
 * An error whose text and code came inside `data` (`{"state": "error", "data": {"code", "message"}}`)
 * in the protocol's own shape, `{state: "error", error, code, data}`; other messages as they are.
 */
function normaliseError(message: ServerMessage): ServerMessage {
  if (message.state !== "error") return message;
  const raw = message as unknown as Record<string, unknown>;
  const data =
    typeof raw.data === "object" && raw.data !== null ? (raw.data as Record<string, unknown>) : {};
  const error =
    typeof raw.error === "string"
      ? raw.error
      : typeof data.message === "string"
        ? data.message
        : "";
  const code =
    typeof raw.code === "string"
      ? raw.code
      : typeof data.code === "string"
        ? data.code
        : "internal";
  return { ...message, error, code };
}

/** Text frame -> message. Anything that is not a JSON object with a string `state` is dropped. */
export function unpackMessage(frame: unknown): ServerMessage | undefined {
  if (typeof frame !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(frame);
    return isServerMessage(parsed) ? normaliseError(parsed) : undefined;
  } catch {
    return undefined;
  }
}

export function packMessage(message: unknown): string {
  return JSON.stringify(message);
}

export function attachRequestId(request: SocketRequest, requestId: RequestId): SocketRequest {
  return { ...request, data: request.data ?? {}, id: requestId };
}

export function extractRequestId(message: unknown): RequestId | undefined {
  if (typeof message !== "object" || message === null || !("id" in message)) return undefined;
  const id = message.id;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

function randomPart(): string {
  const bytes = new Uint8Array(4);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export interface SocketClientOptions {
  /** Builds the underlying WebSocket; defaults to the browser's `WebSocket`. */
  createWebSocket?: (url: string) => WebSocket;
  /** Default timeout of `request()`, in ms; 0 waits forever. */
  requestTimeoutMs?: number;
}

/**
 * A thin typed wrapper over websocket-as-promised: JSON packing, the protocol's
 * `id` for request/response, the `{token}` handshake and close notifications.
 */
export class SocketClient {
  readonly wsp: WebSocketAsPromised;
  private readonly idPrefix = randomPart();
  private nextId = 0;

  constructor(url: string, options: SocketClientOptions = {}) {
    this.wsp = new WebSocketAsPromised(url, {
      ...(options.createWebSocket ? { createWebSocket: options.createWebSocket } : {}),
      packMessage,
      unpackMessage,
      attachRequestId: (data: SocketRequest, requestId: RequestId) =>
        attachRequestId(data, requestId),
      extractRequestId,
      timeout: options.requestTimeoutMs ?? 0,
    });
  }

  get isOpen(): boolean {
    return this.wsp.isOpened;
  }

  async open(): Promise<void> {
    await this.wsp.open();
  }

  /**
   * Sends `{"token": ...}` (the first frame) and waits for `initialised`.
   * Rejects with SocketAuthError on an `error` answer, on close, or on timeout.
   */
  authenticate(token: string, timeoutMs = 0): Promise<InitialisedMessage> {
    return new Promise<InitialisedMessage>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanups: (() => void)[] = [];
      const finish = (fn: () => void) => {
        if (timer !== undefined) clearTimeout(timer);
        for (const cleanup of cleanups) cleanup();
        fn();
      };
      cleanups.push(
        this.onMessage((message) => {
          if (message.state === "initialised")
            finish(() => {
              resolve(message);
            });
          else if (message.state === "error")
            finish(() => {
              reject(new SocketAuthError(message.error, message.code));
            });
        }),
        this.onClose((info) => {
          finish(() => {
            reject(
              new SocketAuthError(
                info.reason || "The connection closed during authentication.",
                "closed",
              ),
            );
          });
        }),
      );
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          finish(() => {
            reject(new SocketAuthError("The server did not answer the authentication.", "timeout"));
          });
        }, timeoutMs);
      }
      try {
        this.wsp.sendPacked({ token } satisfies AuthMessage);
      } catch (error) {
        finish(() => {
          reject(error instanceof Error ? error : new Error(String(error)));
        });
      }
    });
  }

  /** Fire-and-forget: sends `{state, data}` without an id. */
  send<S extends keyof RequestDataByState>(state: S, data?: RequestDataByState[S]): void;
  send(state: string, data?: JsonObject): void;
  send(state: string, data: object = {}): void {
    this.wsp.sendPacked({ state, data } satisfies SocketRequest);
  }

  /** Sends one text frame as it is (for testing the server's error handling). */
  sendRaw(text: string): void {
    this.wsp.send(text);
  }

  /**
   * Sends `{state, data, id}` and resolves with the response carrying that id.
   * An `error` response rejects with SocketRequestError; a close rejects too.
   */
  request<S extends keyof RequestDataByState>(
    state: S,
    data?: RequestDataByState[S],
    options?: { timeoutMs?: number },
  ): Promise<ServerMessage>;
  request(
    state: string,
    data?: JsonObject,
    options?: { timeoutMs?: number },
  ): Promise<ServerMessage>;
  async request(
    state: string,
    data: object = {},
    options: { timeoutMs?: number } = {},
  ): Promise<ServerMessage> {
    this.nextId += 1;
    const requestId = `${this.idPrefix}-${String(this.nextId)}`;
    const response = (await this.wsp.sendRequest({ state, data } satisfies SocketRequest, {
      requestId,
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    })) as ServerMessage;
    if (response.state === "error") throw new SocketRequestError(response);
    return response;
  }

  /** Every message from the server, in order; returns an unsubscribe function. */
  onMessage(listener: (message: ServerMessage) => void): () => void {
    const wrapped = (message: ServerMessage) => {
      listener(message);
    };
    this.wsp.onUnpackedMessage.addListener(wrapped);
    return () => {
      this.wsp.onUnpackedMessage.removeListener(wrapped);
    };
  }

  onClose(listener: (info: CloseInfo) => void): () => void {
    const wrapped = (event: { code?: number; reason?: string; wasClean?: boolean }) => {
      listener({
        code: event.code ?? 1006,
        reason: event.reason ?? "",
        wasClean: event.wasClean ?? false,
      });
    };
    this.wsp.onClose.addListener(wrapped);
    return () => {
      this.wsp.onClose.removeListener(wrapped);
    };
  }

  async close(code = 1000, reason = ""): Promise<void> {
    try {
      await this.wsp.close(code, reason);
    } catch {
      // Already closed or never opened.
    }
  }
}
