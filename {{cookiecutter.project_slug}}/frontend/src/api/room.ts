import {
  type JoinData,
  type JoinedData,
  type PresenceData,
  type PublishData,
  ROOM_NAME_PATTERN,
  type RoomData,
  type UpdateData,
} from "./protocol";
import { backoffDelay } from "./socketSession";
import {
  type JsonObject,
  type LeftMessage,
  type RoomMember,
  type ServerMessage,
  SocketRequestError,
} from "./websocketAPI";

/*
 * One person's membership of a room over the session socket (the backend's rooms,
 * app/realtime/rooms/states.py), framework-free; `useRoom` wraps it for React.
 *
 * The controller holds the room the person wants to be in and brings the server
 * in line with it: it joins when the socket is open, leaves before switching,
 * and joins again after every new connection, with `since` set to the last seq
 * it has seen in that room (and `epoch`, the numbering that seq belongs to), so
 * that the server replays exactly what was missed. Every update whose seq is not
 * above the last one seen is a repeat and dropped.
 *
 * A join the server refuses (a private room one was not let into, say) is not
 * tried again, and neither is a room the server put the person out of: both stay
 * in the snapshot (`refused`, `putOut`) for the page to say why.
 */

/** The server's rule for room names, from the protocol's description (protocol.ts). */
export { ROOM_NAME_PATTERN };

export const INVALID_ROOM_NAME =
  "A room name is 1 to 100 letters, digits, or _ . : - (no spaces), starting with a letter, digit or _.";

export function isValidRoomName(name: string): boolean {
  return ROOM_NAME_PATTERN.test(name);
}

export interface RoomUpdate {
  seq: number;
  sender: RoomMember;
  payload: JsonObject;
}

/**
 * - idle: in no room and not asked to be.
 * - waiting: asked to be in a room, but the socket is not open, or a join is retried later.
 * - joining / joined / leaving: the state of the request in flight, or its outcome.
 */
export type RoomPhase = "idle" | "waiting" | "joining" | "joined" | "leaving";

export interface RoomSnapshot {
  /** The room on show: the one wanted, else the one being left. */
  room: string | null;
  phase: RoomPhase;
  /** Who is in the room, each person once; empty unless joined. */
  members: readonly RoomMember[];
  /** The room's updates seen so far, by ascending seq (the last `maxUpdates`). */
  updates: readonly RoomUpdate[];
  /** The last seq seen in the room; a rejoin asks for what came after it. */
  lastSeq: number | null;
  /** A rejoin found that updates since `lastSeq` were no longer in the server's history. */
  missedUpdates: boolean;
  /** The room's numbering started again (the server lost its state); older updates were cleared. */
  restarted: boolean;
  /** A join that failed with `unavailable` is retried in this many ms. */
  retryInMs: number | null;
  /** The server refused to let the person into this room (not retried), and why. */
  refused: RoomRefusal | null;
  /** The server put the person out of this room, unasked (not rejoined), and why. */
  putOut: RoomPutOut | null;
}

export interface RoomRefusal {
  room: string;
  /** The protocol's error code, e.g. `not_allowed`. */
  code: string;
  /** The server's reason, for a person to read. */
  message: string;
}

export interface RoomPutOut {
  room: string;
  /** `removed` (by the owner, or the room was made private without them), `deleted`; another when the server adds one. */
  reason: string;
}

export const IDLE_ROOM: RoomSnapshot = {
  room: null,
  phase: "idle",
  members: [],
  updates: [],
  lastSeq: null,
  missedUpdates: false,
  restarted: false,
  retryInMs: null,
  refused: null,
  putOut: null,
};

export interface RoomTransport {
  /** `{state, data, id}`; resolves with the answer, rejects on an error answer or a close. */
  request: (state: string, data: JsonObject) => Promise<ServerMessage>;
}

export interface RoomControllerOptions {
  /** Backoff of join retries after `unavailable` (or no answer). */
  retry?: Partial<{ baseDelayMs: number; maxDelayMs: number }>;
  /** Updates kept per room; older ones are dropped from view. */
  maxUpdates?: number;
  random?: () => number;
}

interface RoomLog {
  lastSeq: number | null;
  /** The numbering `lastSeq` belongs to, from the last `joined`. */
  epoch: string | null;
  updates: RoomUpdate[];
  missedUpdates: boolean;
  restarted: boolean;
}

interface Membership {
  room: string;
  phase: "joining" | "joined" | "leaving";
  /** Tells the answers of one attempt from those of a later one. */
  attempt: number;
  since: number | null;
  /** The epoch sent with `since`. */
  epoch: string | null;
}

const DEFAULT_RETRY = { baseDelayMs: 1_000, maxDelayMs: 30_000 };
const DEFAULT_MAX_UPDATES = 500;

function sameMember(a: RoomMember, b: RoomMember): boolean {
  return a.id === b.id;
}

export class RoomController {
  private transport: RoomTransport | null;
  private readonly retryOptions: { baseDelayMs: number; maxDelayMs: number };
  private readonly maxUpdates: number;
  private readonly random: () => number;
  private readonly listeners = new Set<() => void>();
  private readonly errorListeners = new Set<(error: SocketRequestError) => void>();
  private readonly logs = new Map<string, RoomLog>();
  private snapshot: RoomSnapshot = IDLE_ROOM;
  private wanted: string | null = null;
  private membership: Membership | null = null;
  private members: RoomMember[] = [];
  private connected = false;
  private attempts = 0;
  private retryAttempt = 0;
  private unavailableReported = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryInMs: number | null = null;
  private refused: RoomRefusal | null = null;
  private putOut: RoomPutOut | null = null;

  constructor(transport: RoomTransport | null, options: RoomControllerOptions = {}) {
    this.transport = transport;
    this.retryOptions = { ...DEFAULT_RETRY, ...options.retry };
    this.maxUpdates = options.maxUpdates ?? DEFAULT_MAX_UPDATES;
    this.random = options.random ?? Math.random;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): RoomSnapshot => this.snapshot;

  /** The last seq seen in `room`, if it was ever joined. */
  lastSeqOf(room: string): number | null {
    return this.logs.get(room)?.lastSeq ?? null;
  }

  /** Where requests go; null while there is no socket. */
  setTransport(transport: RoomTransport | null): void {
    this.transport = transport;
  }

  private request(state: string, data: JsonObject): Promise<ServerMessage> {
    return this.transport
      ? this.transport.request(state, data)
      : Promise.reject(new Error("The connection is not open."));
  }

  /** Whether the socket is open (authenticated); joins wait for it. */
  setConnected(open: boolean): void {
    if (open === this.connected) {
      if (open) this.sync();
      return;
    }
    this.connected = open;
    if (!open) this.dropMembership();
    this.sync();
    this.publishSnapshot();
  }

  /** A new connection was authenticated: whatever the old one had joined is gone. */
  connectionReset(): void {
    this.connected = false;
    this.dropMembership();
    this.publishSnapshot();
  }

  /**
   * Be in `room` (leaving the current one first); throws on a name the server would refuse.
   * Asking again for a room whose join waits to be retried retries it now.
   */
  join(room: string): void {
    if (!isValidRoomName(room)) throw new Error(INVALID_ROOM_NAME);
    // Asking (again) is trying (again): what the server said last time no longer stands.
    this.refused = null;
    this.putOut = null;
    if (this.wanted === room) {
      if (this.retryTimer === undefined) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.retryInMs = null;
    } else {
      this.wanted = room;
      this.resetRetry();
    }
    this.sync();
    this.publishSnapshot();
  }

  /** Be in no room; forgets why the last room was refused or left. */
  leave(): void {
    if (this.wanted === null) {
      if (this.refused === null && this.putOut === null) return;
      this.refused = null;
      this.putOut = null;
      this.publishSnapshot();
      return;
    }
    this.wanted = null;
    this.resetRetry();
    this.sync();
    this.publishSnapshot();
  }

  /** Publishes to the joined room; resolves with `published`. */
  publish(payload: JsonObject): Promise<ServerMessage> {
    const membership = this.membership;
    if (membership?.phase !== "joined" || membership.room !== this.wanted) {
      return Promise.reject(new Error("Join a room before publishing."));
    }
    return this.request("publish", { room: membership.room, payload } satisfies PublishData);
  }

  /**
   * The server's refusals of the controller's own requests worth telling the person about:
   * a refused leave, and `unavailable` for a join (reported once, not per try). A join
   * refused for good is in the snapshot instead (`refused`).
   */
  onError(listener: (error: SocketRequestError) => void): () => void {
    this.errorListeners.add(listener);
    return () => {
      this.errorListeners.delete(listener);
    };
  }

  /** Feed every message from the server here. */
  handleMessage(message: ServerMessage): void {
    switch (message.state) {
      case "joined":
        this.onJoined(message.data);
        break;
      case "update":
        this.onUpdate(message.data);
        break;
      case "presence":
        this.onPresence(message.data);
        break;
      case "left":
        if (
          message.data.reason !== undefined ||
          ((message.id ?? null) === null && this.isJoined(message.data.room))
        ) {
          this.onPutOut(message);
        } else {
          this.onLeft(message.data.room);
        }
        break;
      default:
        break;
    }
  }

  /** Stops any pending retry (the component unmounted). */
  dispose(): void {
    this.connected = false;
    this.dropMembership();
  }

  // Bringing the server in line with `wanted`

  private sync(): void {
    if (!this.connected) return;
    const membership = this.membership;
    if (membership) {
      // A join or a leave in flight: its answer calls sync() again.
      if (membership.phase === "joined" && membership.room !== this.wanted)
        this.sendLeave(membership);
      return;
    }
    if (this.wanted !== null && this.retryTimer === undefined) this.sendJoin(this.wanted);
  }

  private sendJoin(room: string): void {
    let log = this.logs.get(room);
    if (!log) {
      log = { lastSeq: null, epoch: null, updates: [], missedUpdates: false, restarted: false };
      this.logs.set(room, log);
    }
    this.attempts += 1;
    const since = log.lastSeq;
    const epoch = since === null ? null : log.epoch;
    const membership: Membership = { room, phase: "joining", attempt: this.attempts, since, epoch };
    this.membership = membership;
    this.members = [];
    const data: JoinData = { room };
    if (since !== null) data.since = since;
    if (epoch !== null) data.epoch = epoch;
    this.request("join", { ...data }).then(
      () => {
        // `joined` itself is handled in order with the updates that follow it, in handleMessage.
      },
      (error: unknown) => {
        this.onJoinFailed(membership, error);
      },
    );
    this.publishSnapshot();
  }

  private sendLeave(membership: Membership): void {
    membership.phase = "leaving";
    this.request("leave", { room: membership.room } satisfies RoomData).then(
      () => {
        this.onLeft(membership.room, membership.attempt);
      },
      (error: unknown) => {
        // A leave that the server put the person out of meanwhile has nothing to report.
        if (error instanceof SocketRequestError && this.membership === membership)
          this.report(error);
        // Not in the room either way (or the connection is gone, which leaves every room).
        this.onLeft(membership.room, membership.attempt);
      },
    );
    this.publishSnapshot();
  }

  private onJoinFailed(membership: Membership, error: unknown): void {
    if (this.membership !== membership || membership.phase !== "joining") return;
    this.membership = null;
    if (error instanceof SocketRequestError && error.code !== "unavailable") {
      // Refused (not allowed, invalid): asking again would get the same answer.
      if (this.wanted === membership.room) {
        this.wanted = null;
        this.refused = { room: membership.room, code: error.code, message: error.message };
      }
      this.resetRetry();
    } else if (this.connected) {
      // `unavailable`: the server says to try again later. No answer at all (a timeout,
      // or the socket closing, which is reported before the session notices) is retried
      // the same way, quietly; a lost connection cancels the retry and rejoins on reconnect.
      if (error instanceof SocketRequestError && !this.unavailableReported) {
        this.unavailableReported = true;
        this.report(error);
      }
      this.retryAttempt += 1;
      const delay = backoffDelay(this.retryAttempt, this.retryOptions, this.random);
      this.retryInMs = delay;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.retryInMs = null;
        this.sync();
        this.publishSnapshot();
      }, delay);
    }
    this.sync();
    this.publishSnapshot();
  }

  private resetRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryInMs = null;
    this.retryAttempt = 0;
    this.unavailableReported = false;
  }

  private dropMembership(): void {
    this.membership = null;
    this.members = [];
    // A new connection joins at once.
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryInMs = null;
  }

  private report(error: SocketRequestError): void {
    for (const listener of this.errorListeners) listener(error);
  }

  // What the server says

  private onJoined(data: JoinedData): void {
    const membership = this.membership;
    if (membership?.room !== data.room || membership.phase !== "joining") return;
    membership.phase = "joined";
    this.retryAttempt = 0;
    this.unavailableReported = false;
    this.members = data.members;
    const log = this.logs.get(data.room);
    if (log) {
      const seq = data.seq;
      const epoch = typeof data.epoch === "string" ? data.epoch : null;
      if (membership.since === null) {
        // A first join: only what comes after it is shown.
        log.lastSeq = seq;
      } else if (
        (epoch !== null && membership.epoch !== null && epoch !== membership.epoch) ||
        seq < membership.since
      ) {
        // The room's numbering started over (a new epoch: e.g. the room was deleted and made
        // again, or a server with in-memory rooms restarted; without epochs, seq going back
        // says the same): the old numbers mean nothing any more, and would hide the new
        // updates. The server replays nothing from another epoch.
        log.lastSeq = seq;
        log.updates = [];
        log.restarted = true;
        log.missedUpdates = false;
      } else if (data.history_complete === false) {
        log.missedUpdates = true;
      }
      log.epoch = epoch;
    }
    // Someone may have asked to leave or switch while the join was in flight.
    this.sync();
    this.publishSnapshot();
  }

  private onUpdate(data: UpdateData): void {
    const log = this.logs.get(data.room);
    if (!log || !Number.isInteger(data.seq)) return;
    if (log.epoch !== null && data.epoch !== log.epoch) {
      // The room's numbering started over while the person was in it (the server lost the
      // room): as on a join into a new epoch, the old numbers mean nothing any more.
      log.lastSeq = null;
      log.updates = [];
      log.restarted = true;
      log.missedUpdates = false;
    }
    log.epoch = data.epoch;
    if (log.lastSeq !== null && data.seq <= log.lastSeq) return;
    const update: RoomUpdate = { seq: data.seq, sender: data.sender, payload: data.payload };
    const updates = [...log.updates, update];
    log.updates =
      updates.length > this.maxUpdates ? updates.slice(updates.length - this.maxUpdates) : updates;
    log.lastSeq = data.seq;
    if (data.room === this.shownRoom()) this.publishSnapshot();
  }

  private onPresence(data: PresenceData): void {
    const membership = this.membership;
    if (membership?.room !== data.room || membership.phase !== "joined") return;
    const member = data.member;
    if (data.event === "joined") {
      if (this.members.some((known) => sameMember(known, member))) return;
      this.members = [...this.members, member];
    } else {
      this.members = this.members.filter((known) => !sameMember(known, member));
    }
    this.publishSnapshot();
  }

  /** The server put the person out of `room` (removed, or the room deleted): not to be joined again. */
  private onPutOut(message: LeftMessage): void {
    const { room, reason } = message.data;
    const membership = this.membership;
    if (membership?.room === room) this.dropMembership();
    if (this.wanted === room) {
      this.wanted = null;
      this.resetRetry();
      this.putOut = { room, reason: typeof reason === "string" ? reason : "removed" };
    }
    this.sync();
    this.publishSnapshot();
  }

  private isJoined(room: string): boolean {
    return this.membership?.room === room && this.membership.phase === "joined";
  }

  private onLeft(room: string, attempt?: number): void {
    const membership = this.membership;
    if (membership?.room !== room || membership.phase !== "leaving") return;
    if (attempt !== undefined && membership.attempt !== attempt) return;
    this.dropMembership();
    this.sync();
    this.publishSnapshot();
  }

  // The snapshot

  private shownRoom(): string | null {
    return this.wanted ?? this.membership?.room ?? null;
  }

  private phase(): RoomPhase {
    const membership = this.membership;
    if (this.wanted === null) return membership ? "leaving" : "idle";
    if (membership?.room === this.wanted)
      return membership.phase === "leaving" ? "joining" : membership.phase;
    if (!this.connected || this.retryTimer !== undefined) return "waiting";
    return "joining";
  }

  private publishSnapshot(): void {
    const room = this.shownRoom();
    const log = room === null ? undefined : this.logs.get(room);
    const phase = this.phase();
    const joinedHere =
      phase === "joined" || (phase === "leaving" && this.membership?.room === room);
    this.snapshot = {
      room,
      phase,
      members: joinedHere ? this.members : [],
      updates: log?.updates ?? [],
      lastSeq: log?.lastSeq ?? null,
      missedUpdates: log?.missedUpdates ?? false,
      restarted: log?.restarted ?? false,
      retryInMs: this.retryInMs,
      refused: this.refused,
      putOut: this.putOut,
    };
    for (const listener of this.listeners) listener();
  }
}
