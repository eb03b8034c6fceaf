/*
 * Generated from asyncapi.json (the backend's AsyncAPI document of the socket) by
 * frontend/scripts/protocol.mjs with json-schema-to-typescript: do not edit. After a change to the
 * protocol's models in backend/app/realtime/, run scripts/protocol.sh and commit both files.
 */

/**
 * Why the server is about to close a socket that did nothing wrong.
 */
export interface ClosingData {
  reason: "shutdown" | "idle";
  message: string;
  [k: string]: unknown;
}

export type ErrorCode =
  | "invalid_json"
  | "invalid_request"
  | "unknown_state"
  | "invalid_data"
  | "not_allowed"
  | "unavailable"
  | "unauthorized"
  | "rate_limited"
  | "message_too_big"
  | "internal";

/**
 * What a client is told when something fails; `id` is its request's, when it had one.
 */
export interface ErrorMessage {
  state?: "error";
  error: string;
  code: ErrorCode;
  id?: string | number | null;
  [k: string]: unknown;
}

export interface InitialisedData {
  user: SocketUser;
  draft?: SessionDescription | null;
  [k: string]: unknown;
}

export interface JoinData {
  room: string;
  since?: number | null;
  epoch?: string | null;
}

export interface JoinedData {
  room: string;
  seq: number;
  epoch: string;
  members: MemberView[];
  history_complete?: boolean | null;
  [k: string]: unknown;
}

export type JsonValue = unknown;

export interface LeftData {
  room: string;
  [k: string]: unknown;
}

/**
 * A member as the others in a room see them: never their address.
 */
export interface MemberView {
  id: string;
  name: string;
  [k: string]: unknown;
}

export interface PresenceData {
  room: string;
  event: "joined" | "left";
  member: MemberView;
  [k: string]: unknown;
}

export interface PublishData {
  room: string;
  payload: Record<string, JsonValue>;
}

export interface PublishedData {
  room: string;
  seq: number;
  [k: string]: unknown;
}

/**
 * Sent unasked, as `left`, to whoever the room's owner took out or whose room is gone.
 */
export interface PutOutData {
  room: string;
  reason: "removed" | "deleted";
  [k: string]: unknown;
}

export interface Renewed {
  expires_at: string;
  [k: string]: unknown;
}

export interface RoomData {
  room: string;
}

export interface SaveData {
  content?: Record<string, JsonValue>;
}

/**
 * A session record as the socket describes it (in `initialised` and `save`).
 */
export interface SessionDescription {
  id: string;
  status: SessionStatus;
  content: Record<string, JsonValue>;
  started_at: string;
  updated_at: string;
  saved_at: string | null;
  [k: string]: unknown;
}

export type SessionStatus = "draft" | "saved";

/**
 * The socket's own user, who may see their address; the others in a room see a member.
 */
export interface SocketUser {
  id: string;
  email: string;
  name: string;
  [k: string]: unknown;
}

export type StartThingsData = Record<string, never>;

export interface Started {
  something: string;
  [k: string]: unknown;
}

export interface TokenData {
  token: string;
}

/**
 * An update, as every member gets it (`update_frame`), in the order of `seq`. `epoch` is
 * the numbering `seq` belongs to, as `joined` gives it: when it changes, the room's numbering
 * started over (the engine lost the room) and the numbers seen so far mean nothing.
 */
export interface UpdateData {
  seq: number;
  epoch: string;
  room: string;
  sender: MemberView;
  payload: Record<string, JsonValue>;
  [k: string]: unknown;
}

/**
 * Echoed in the reply, or in the error, to this request.
 */
export type RequestId = string | number;

/**
 * 1000: Done: saved, idle too long (`closing` first), or the client closed.
 * 1001: The server is restarting (`closing` first): reconnect in a moment.
 * 1007: A text frame that is not UTF-8.
 * 1008: Refused (the error before it says why): log in again, slow down.
 * 1009: A frame was over the size limit (`message_too_big` first).
 * 1011: A server fault (`internal` first), or a peer that missed pings.
 * 1012: Service restart, from a server other than `python -m app`: reconnect in a moment.
 * 1013: Busy, or this client read too slowly: reconnect in a moment.
 */
export type CloseCode = 1000 | 1001 | 1007 | 1008 | 1009 | 1011 | 1012 | 1013;

/**
 * The first frame: an access token. Nothing else is served before `initialised`.
 */
export interface TokenFrame {
  token: string;
  [k: string]: unknown;
}

/**
 * A request, or the socket, failed; `x-closes-with` names the errors that close it.
 */
export type ErrorFrame = ErrorMessage;

/**
 * Asks for `join`.
 */
export interface JoinRequestFrame {
  state: "join";
  data: JoinData;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * The answer to `join`.
 */
export interface JoinReplyFrame {
  state: "joined";
  data: JoinedData;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * Asks for `leave`.
 */
export interface LeaveRequestFrame {
  state: "leave";
  data: RoomData;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * The answer to `leave`.
 */
export interface LeaveReplyFrame {
  state: "left";
  data: LeftData;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * Asks for `ping`.
 */
export interface PingRequestFrame {
  state: "ping";
  data: Record<string, unknown>;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * The answer to `ping`.
 */
export interface PingReplyFrame {
  state: "pong";
  data: Record<string, unknown>;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * Asks for `publish`.
 */
export interface PublishRequestFrame {
  state: "publish";
  data: PublishData;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * The answer to `publish`.
 */
export interface PublishReplyFrame {
  state: "published";
  data: PublishedData;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * Asks for `save`.
 */
export interface SaveRequestFrame {
  state: "save";
  data: SaveData;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * The answer to `save`.
 */
export interface SaveReplyFrame {
  state: "save";
  data: SessionDescription;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * Asks for `startThings`.
 */
export interface StartThingsRequestFrame {
  state: "startThings";
  data: StartThingsData;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * The answer to `startThings`.
 */
export interface StartThingsReplyFrame {
  state: "startThings";
  data: Started;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * Asks for `token`.
 */
export interface TokenRequestFrame {
  state: "token";
  data: TokenData;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * The answer to `token`.
 */
export interface TokenReplyFrame {
  state: "token";
  data: Renewed;
  id?: RequestId;
  [k: string]: unknown;
}

/**
 * The answer to the token: the socket is open.
 */
export interface InitialisedFrame {
  state: "initialised";
  data: InitialisedData;
  [k: string]: unknown;
}

/**
 * The last frame before a close the client did not cause.
 */
export interface ClosingFrame {
  state: "closing";
  data: ClosingData;
  [k: string]: unknown;
}

/**
 * An update of a room the socket is in, in `seq` order.
 */
export interface UpdateFrame {
  state: "update";
  data: UpdateData;
  [k: string]: unknown;
}

/**
 * Someone joined or left a room the socket is in.
 */
export interface PresenceFrame {
  state: "presence";
  data: PresenceData;
  [k: string]: unknown;
}

/**
 * The room's owner took this user out, or deleted the room.
 */
export interface PutOutFrame {
  state: "left";
  data: PutOutData;
  [k: string]: unknown;
}

/**
 * Every frame a client sends: its token first, then requests.
 */
export type ClientFrame =
  | TokenFrame
  | JoinRequestFrame
  | LeaveRequestFrame
  | PingRequestFrame
  | PublishRequestFrame
  | SaveRequestFrame
  | StartThingsRequestFrame
  | TokenRequestFrame;

/**
 * Every frame the server sends: replies, errors, and what it sends unasked.
 */
export type ServerFrame =
  | ErrorFrame
  | JoinReplyFrame
  | LeaveReplyFrame
  | PingReplyFrame
  | PublishReplyFrame
  | SaveReplyFrame
  | StartThingsReplyFrame
  | TokenReplyFrame
  | InitialisedFrame
  | ClosingFrame
  | UpdateFrame
  | PresenceFrame
  | PutOutFrame;

/**
 * Each request a client may send, by its state.
 */
export interface Requests {
  join: JoinRequestFrame;
  leave: LeaveRequestFrame;
  ping: PingRequestFrame;
  publish: PublishRequestFrame;
  save: SaveRequestFrame;
  startThings: StartThingsRequestFrame;
  token: TokenRequestFrame;
}

/**
 * The reply each request gets when it succeeds, by the request's state.
 */
export interface Replies {
  join: JoinReplyFrame;
  leave: LeaveReplyFrame;
  ping: PingReplyFrame;
  publish: PublishReplyFrame;
  save: SaveReplyFrame;
  startThings: StartThingsReplyFrame;
  token: TokenReplyFrame;
}

/** Every error code, in the server's order. */
export const ERROR_CODES = ["invalid_json", "invalid_request", "unknown_state", "invalid_data", "not_allowed", "unavailable", "unauthorized", "rate_limited", "message_too_big", "internal"] as const satisfies readonly ErrorCode[];

/** Every code the server closes a socket with (what each means: CloseCode). */
export const CLOSE_CODES = [1000, 1001, 1007, 1008, 1009, 1011, 1012, 1013] as const satisfies readonly CloseCode[];

/** The errors after which the server closes the socket, each with the code it closes with. */
export const CLOSES_WITH = {
  unauthorized: 1008,
  rate_limited: 1008,
  message_too_big: 1009,
  internal: 1011,
} as const satisfies Partial<Record<ErrorCode, CloseCode>>;

/** The states a client may ask for. */
export const REQUEST_STATES = ["join", "leave", "ping", "publish", "save", "startThings", "token"] as const satisfies readonly (keyof Requests)[];

/** The state of each request's reply. */
export const REPLY_STATES = {
  join: "joined",
  leave: "left",
  ping: "pong",
  publish: "published",
  save: "save",
  startThings: "startThings",
  token: "token",
} as const satisfies { [S in keyof Requests]: Replies[S]["state"] };

/** The names of rooms the server accepts (the `room` of a `join` request). */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,99}$/;

/** The socket's path on the API's host. */
export const SOCKET_PATH = "/api/v1/socket";
