import WebSocketAsPromised from "websocket-as-promised";

import type { ClosingData, ErrorFrame, InitialisedFrame, RequestId, ServerFrame } from "./protocol";

export type JsonObject = Record<string, unknown>;

/** The server's notice before a close; `reason` a string so that reasons added later type-check. */
export type ClosingNotice = Pick<ClosingData, "message"> & {
  reason: ClosingData["reason"] | (string & {});
};

/** An error as the client reads it; `code` a string so that codes added later type-check. */
export type ErrorMessage = Pick<ErrorFrame, "error" | "id"> & {
  state: "error";
  code: ErrorFrame["code"] | (string & {});
  data?: JsonObject;
};

export type ServerMessage = Exclude<ServerFrame, ErrorFrame> | ErrorMessage;
export type ServerState = ServerMessage["state"];
export type MessageOf<S extends ServerState> = Extract<ServerMessage, { state: S }>;

export type CloseInfo = Pick<CloseEvent, "code" | "reason" | "wasClean">;

/** The server answered a request with `{"state": "error"}`. */
export class SocketRequestError extends Error {
  readonly code: ErrorMessage["code"];

  constructor(readonly response: ErrorMessage) {
    super(response.error);
    this.name = "SocketRequestError";
    this.code = response.code;
  }
}

/** Authentication failed, or the socket closed before the server answered it. */
export class SocketAuthError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "SocketAuthError";
  }
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

/** Text frame -> message, else undefined; an error's text and code may come inside `data`. */
export function unpackMessage(frame: unknown): ServerMessage | undefined {
  let parsed: unknown;
  try {
    parsed = typeof frame === "string" ? JSON.parse(frame) : undefined;
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  if (!("state" in parsed) || typeof parsed.state !== "string") return undefined;
  const message = parsed as ServerMessage;
  if (message.state !== "error") return message;
  const data: JsonObject = message.data ?? {};
  const error = text(message.error) ?? text(data.message) ?? "";
  return { ...message, error, code: text(message.code) ?? text(data.code) ?? "internal" };
}

export function attachRequestId(request: { state: string; data?: object }, id: RequestId) {
  return { ...request, data: request.data ?? {}, id };
}

export function extractRequestId(message: unknown): RequestId | undefined {
  if (typeof message !== "object" || message === null || !("id" in message)) return undefined;
  const id = message.id;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

/**
 * The session socket's protocol (docs/protocol.md) over websocket-as-promised: JSON frames,
 * requests matched to responses by `id`, the `{token}` handshake, and close notifications.
 */
export class SocketClient {
  private readonly wsp: WebSocketAsPromised;

  constructor(
    url: string,
    options: {
      createWebSocket?: ((url: string) => WebSocket) | undefined;
      requestTimeoutMs?: number;
    } = {},
  ) {
    this.wsp = new WebSocketAsPromised(url, {
      ...(options.createWebSocket ? { createWebSocket: options.createWebSocket } : {}),
      packMessage: (message: unknown) => JSON.stringify(message),
      unpackMessage,
      attachRequestId,
      extractRequestId,
      timeout: options.requestTimeoutMs ?? 0,
    });
  }

  get isOpen(): boolean {
    return this.wsp.isOpened;
  }

  readonly open = () => this.wsp.open();

  /** Sends the token (the first frame) and waits for `initialised`. */
  authenticate(token: string, timeoutMs = 0): Promise<InitialisedFrame> {
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              fail("The server did not answer the authentication.", "timeout");
            }, timeoutMs)
          : undefined;
      const done = () => {
        clearTimeout(timer);
        offMessage();
        offClose();
      };
      const fail = (message: string, code: string) => {
        done();
        reject(new SocketAuthError(message, code));
      };
      const offMessage = this.onMessage((message) => {
        if (message.state === "error") fail(message.error, message.code);
        if (message.state !== "initialised") return;
        done();
        resolve(message);
      });
      const offClose = this.onClose((info) => {
        fail(info.reason || "The connection closed during authentication.", "closed");
      });
      this.wsp.sendPacked({ token });
    });
  }

  send(state: string, data: object = {}): void {
    this.wsp.sendPacked({ state, data });
  }

  /** Sends one text frame as it is (for testing the server's error handling). */
  sendRaw(frame: string): void {
    this.wsp.send(frame);
  }

  /** Rejects on an error answer, a close or a timeout (`timeoutMs`, else the client's). */
  async request(state: string, data: object = {}, timeoutMs?: number): Promise<ServerMessage> {
    const options = { timeout: timeoutMs };
    const response = (await this.wsp.sendRequest({ state, data }, options)) as ServerMessage;
    if (response.state === "error") throw new SocketRequestError(response);
    return response;
  }

  onMessage(listener: (message: ServerMessage) => void): () => void {
    this.wsp.onUnpackedMessage.addListener(listener);
    return () => {
      this.wsp.onUnpackedMessage.removeListener(listener);
    };
  }

  onClose(listener: (info: CloseInfo) => void): () => void {
    const wrapped = ({ code, reason, wasClean }: CloseEvent) => {
      listener({ code, reason, wasClean });
    };
    this.wsp.onClose.addListener(wrapped);
    return () => {
      this.wsp.onClose.removeListener(wrapped);
    };
  }

  async close(code = 1000, reason = ""): Promise<void> {
    await this.wsp.close(code, reason).catch(() => undefined);
  }
}
