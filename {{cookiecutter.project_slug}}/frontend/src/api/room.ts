import {
  type JoinData,
  type JoinedData,
  type MemberView,
  type PresenceData,
  type PublishData,
  ROOM_NAME_PATTERN,
  type RoomData,
  type UpdateData,
} from "./protocol";
import { backoffDelay } from "./socketSession";
import { type JsonObject, type ServerMessage, SocketRequestError } from "./websocketAPI";

/*
 * One person's membership of a room, framework-free (`useRoom` wraps it): joins the room wanted
 * when the socket is open, leaves before switching, and joins again after every new connection
 * with `since` and `epoch`, so that the server replays exactly what was missed.
 */

export const INVALID_ROOM_NAME =
  "A room name is 1 to 100 letters, digits, or _ . : - (no spaces), starting with a letter, digit or _.";

export function isValidRoomName(name: string): boolean {
  return ROOM_NAME_PATTERN.test(name);
}

export type RoomUpdate = Pick<UpdateData, "seq" | "sender" | "payload">;

/** `waiting`: for the socket to open, or to retry the join; the others, the request in flight. */
export type RoomPhase = "idle" | "waiting" | "joining" | "joined" | "leaving";

interface RoomLog {
  lastSeq: number | null;
  /** The numbering `lastSeq` belongs to, from the last `joined`. */
  epoch: string | null;
  updates: RoomUpdate[];
  /** A rejoin found that updates since `lastSeq` were no longer in the server's history. */
  missedUpdates: boolean;
  /** The room's numbering started again (the server lost its state); older updates were cleared. */
  restarted: boolean;
}

export interface RoomSnapshot extends RoomLog {
  /** The one wanted, else the one being left. */
  room: string | null;
  phase: RoomPhase;
  /** Each person once; empty unless joined. */
  members: readonly MemberView[];
  /** A join that failed with `unavailable` is retried in this many ms. */
  retryInMs: number | null;
  /** The server refused to let the person into this room (not retried): its code and reason. */
  refused: { room: string; code: string; message: string } | null;
  /** The server put the person out of this room, unasked (not rejoined): `removed`, `deleted`… */
  putOut: { room: string; reason: string } | null;
}

export interface RoomTransport {
  request: (state: string, data: JsonObject) => Promise<ServerMessage>;
}

export interface RoomControllerOptions {
  /** Backoff of join retries after `unavailable` (or no answer). */
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
  maxUpdates?: number;
  random?: () => number;
}

interface Membership {
  room: string;
  phase: "joining" | "joined" | "leaving";
  since: number | null;
  epoch: string | null;
}

const UNSEEN: RoomLog = {
  lastSeq: null,
  epoch: null,
  updates: [],
  missedUpdates: false,
  restarted: false,
};

/** The room's numbering started over: the old seqs mean nothing any more, and would hide new ones. */
function startOver(log: RoomLog, lastSeq: number | null): void {
  Object.assign(log, { lastSeq, updates: [], restarted: true, missedUpdates: false });
}

export class RoomController {
  private readonly listeners = new Set<() => void>();
  private readonly errorListeners = new Set<(error: SocketRequestError) => void>();
  private readonly logs = new Map<string, RoomLog>();
  private wanted: string | null = null;
  private membership: Membership | null = null;
  private members: MemberView[] = [];
  private connected = false;
  private retryAttempt = 0;
  private unavailableReported = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryInMs: number | null = null;
  private refused: RoomSnapshot["refused"] = null;
  private putOut: RoomSnapshot["putOut"] = null;
  private snapshot = this.makeSnapshot();

  constructor(
    private readonly transport: RoomTransport,
    private readonly options: RoomControllerOptions = {},
  ) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): RoomSnapshot => this.snapshot;

  lastSeqOf(room: string): number | null {
    return this.logs.get(room)?.lastSeq ?? null;
  }

  setConnected(open: boolean): void {
    if (!open) this.dropMembership();
    this.connected = open;
    this.settle();
  }

  /** A new connection (or none): whatever was joined is gone. */
  connectionReset(): void {
    this.connected = false;
    this.dropMembership();
    this.settle();
  }

  /** Be in `room` (throws on an invalid name); asked again while a retry waits, retries now. */
  readonly join = (room: string): void => {
    if (!isValidRoomName(room)) throw new Error(INVALID_ROOM_NAME);
    if (this.wanted === room && this.retryTimer === undefined) return;
    // Asking (again) is trying (again): what the server said last time no longer stands.
    this.refused = null;
    this.putOut = null;
    if (this.wanted === room) this.clearRetry();
    else this.resetRetry();
    this.wanted = room;
    this.settle();
  };

  /** Be in no room; forgets why the last room was refused or left. */
  readonly leave = (): void => {
    if (this.wanted === null && this.refused === null && this.putOut === null) return;
    this.refused = null;
    this.putOut = null;
    if (this.wanted !== null) this.resetRetry();
    this.wanted = null;
    this.settle();
  };

  readonly publish = (payload: JsonObject): Promise<ServerMessage> => {
    const membership = this.membership;
    if (membership?.phase !== "joined" || membership.room !== this.wanted) {
      return Promise.reject(new Error("Join a room before publishing."));
    }
    return this.transport.request("publish", {
      room: membership.room,
      payload,
    } satisfies PublishData);
  };

  /** Refusals to tell the person about: a refused leave, and `unavailable` (once, not per try). */
  onError(listener: (error: SocketRequestError) => void): () => void {
    this.errorListeners.add(listener);
    return () => {
      this.errorListeners.delete(listener);
    };
  }

  handleMessage(message: ServerMessage): void {
    if (message.state === "initialised") this.connectionReset();
    if (message.state === "joined") this.onJoined(message.data);
    if (message.state === "update") this.onUpdate(message.data);
    if (message.state === "presence") this.onPresence(message.data);
    if (message.state !== "left") return;
    const { room, reason } = message.data;
    const joined = this.membership?.room === room && this.membership.phase === "joined";
    // With a reason, or unasked (no id) while joined: the server put the person out.
    if (reason !== undefined || ((message.id ?? null) === null && joined))
      this.onPutOut(room, typeof reason === "string" ? reason : "removed");
    else this.onLeft(room);
  }

  private sync(): void {
    if (!this.connected) return;
    const membership = this.membership;
    // A join or a leave in flight: its answer calls sync() again.
    if (membership?.phase === "joined" && membership.room !== this.wanted) {
      this.sendLeave(membership);
    } else if (!membership && this.wanted !== null && this.retryTimer === undefined) {
      this.sendJoin(this.wanted);
    }
  }

  private sendJoin(room: string): void {
    const log = this.logs.get(room) ?? { ...UNSEEN };
    this.logs.set(room, log);
    const since = log.lastSeq;
    const epoch = since === null ? null : log.epoch;
    const membership: Membership = { room, phase: "joining", since, epoch };
    this.membership = membership;
    this.members = [];
    const data: JoinData = { room };
    if (since !== null) data.since = since;
    if (epoch !== null) data.epoch = epoch;
    // `joined` itself is handled in order with the updates that follow it, in handleMessage.
    this.transport.request("join", { ...data }).catch((error: unknown) => {
      this.onJoinFailed(membership, error);
    });
  }

  private sendLeave(membership: Membership): void {
    membership.phase = "leaving";
    const left = () => {
      this.onLeft(membership.room, membership);
    };
    this.transport
      .request("leave", { room: membership.room } satisfies RoomData)
      .then(left, (error: unknown) => {
        // A leave that the server put the person out of meanwhile has nothing to report.
        if (error instanceof SocketRequestError && this.membership === membership)
          this.report(error);
        // Not in the room either way (or the connection is gone, which leaves every room).
        left();
      });
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
      // `unavailable`: try again later. No answer at all (a timeout, or the socket closing) is
      // retried the same way, quietly; a lost connection rejoins on reconnect instead.
      if (error instanceof SocketRequestError && !this.unavailableReported) {
        this.unavailableReported = true;
        this.report(error);
      }
      this.retryAttempt += 1;
      const retry = { baseDelayMs: 1_000, maxDelayMs: 30_000, ...this.options.retry };
      const delay = backoffDelay(this.retryAttempt, retry, this.options.random);
      this.clearRetry();
      this.retryInMs = delay;
      this.retryTimer = setTimeout(() => {
        this.clearRetry();
        this.settle();
      }, delay);
    }
    this.settle();
  }

  private clearRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryInMs = null;
  }

  private resetRetry(): void {
    this.clearRetry();
    this.retryAttempt = 0;
    this.unavailableReported = false;
  }

  private dropMembership(): void {
    this.membership = null;
    this.members = [];
    // A new connection joins at once.
    this.clearRetry();
  }

  private report(error: SocketRequestError): void {
    for (const listener of this.errorListeners) listener(error);
  }

  private onJoined(data: JoinedData): void {
    const membership = this.membership;
    const log = this.logs.get(data.room);
    if (membership?.room !== data.room || membership.phase !== "joining" || !log) return;
    membership.phase = "joined";
    this.retryAttempt = 0;
    this.unavailableReported = false;
    this.members = data.members;
    const { since, epoch } = membership;
    // A first join shows only what comes after it. Another epoch (the room made again, or the
    // server's rooms lost), or a seq going back, says the numbering started over.
    if (since === null) log.lastSeq = data.seq;
    else if ((epoch !== null && data.epoch !== epoch) || data.seq < since) startOver(log, data.seq);
    else if (data.history_complete === false) log.missedUpdates = true;
    log.epoch = data.epoch;
    // Someone may have asked to leave or switch while the join was in flight.
    this.settle();
  }

  private onUpdate(data: UpdateData): void {
    const log = this.logs.get(data.room);
    if (!log || !Number.isInteger(data.seq)) return;
    // A new epoch while the person was in the room: the server lost the room, and numbers anew.
    if (log.epoch !== null && data.epoch !== log.epoch) startOver(log, null);
    log.epoch = data.epoch;
    if (log.lastSeq !== null && data.seq <= log.lastSeq) return;
    const { seq, sender, payload } = data;
    const kept = this.options.maxUpdates ?? 500;
    log.updates = [...log.updates, { seq, sender, payload }].slice(-kept);
    log.lastSeq = seq;
    if (data.room === this.shownRoom()) this.settle();
  }

  private onPresence({ room, event, member }: PresenceData): void {
    if (this.membership?.room !== room || this.membership.phase !== "joined") return;
    const others = this.members.filter((other) => other.id !== member.id);
    if (event === "joined" && others.length < this.members.length) return;
    this.members = event === "joined" ? [...others, member] : others;
    this.settle();
  }

  /** Put out of `room` (removed, or the room deleted): not to be joined again. */
  private onPutOut(room: string, reason: string): void {
    if (this.membership?.room === room) this.dropMembership();
    if (this.wanted === room) {
      this.wanted = null;
      this.resetRetry();
      this.putOut = { room, reason };
    }
    this.settle();
  }

  /** Out of `room`: the answer to the leave of `asked`, or the server's word. */
  private onLeft(room: string, asked?: Membership): void {
    const membership = this.membership;
    if (membership?.room !== room || membership.phase !== "leaving") return;
    if (asked && asked !== membership) return;
    this.dropMembership();
    this.settle();
  }

  private shownRoom(): string | null {
    return this.wanted ?? this.membership?.room ?? null;
  }

  private makeSnapshot(): RoomSnapshot {
    const room = this.shownRoom();
    const log = (room === null ? undefined : this.logs.get(room)) ?? UNSEEN;
    const membership = this.membership;
    let phase: RoomPhase;
    if (this.wanted === null) phase = membership ? "leaving" : "idle";
    else if (membership?.room === this.wanted)
      phase = membership.phase === "leaving" ? "joining" : membership.phase;
    else phase = !this.connected || this.retryTimer !== undefined ? "waiting" : "joining";
    const joinedHere = phase === "joined" || (phase === "leaving" && membership?.room === room);
    const { retryInMs, refused, putOut } = this;
    const members = joinedHere ? this.members : [];
    return { ...log, room, phase, members, retryInMs, refused, putOut };
  }

  /** Brings the server in line (sync), then tells the listeners. */
  private settle(): void {
    this.sync();
    this.snapshot = this.makeSnapshot();
    for (const listener of this.listeners) listener();
  }
}
