import type { RawData } from "ws";

import {
  CLOSES_WITH,
  type ErrorCode,
  type ErrorFrame,
  type InitialisedFrame,
  type MemberView,
  type PresenceData,
  type PresenceFrame,
  type PutOutData,
  type PutOutFrame,
  ROOM_NAME_PATTERN,
  type UpdateFrame,
} from "../api/protocol";

import type { FakeAuthBackend, FakeRequest } from "./fakeAuthBackend";
import type { FakeConnection } from "./fakeServer";

/*
 * The backend's rooms on top of the fake server: the socket side (app/realtime/rooms/states.py:
 * handshake, `join` with `since`, `epoch` and its replay, `publish`, `leave`, presence,
 * leaving every room when a socket closes, putting people out) and the HTTP side
 * (app/api/routes/rooms.py: owned rooms, who is let in, public or not). Shared by all
 * the server's connections, so that a test can put several people in a room.
 *
 * A room in the directory (made over HTTP, or with `own`) lets in its owner, the people
 * let in, and everyone when public. A name that is not in it may be joined by anyone,
 * unless `requireRoom` is set (as on the real server), so that tests about other things
 * need not make their rooms first.
 */

export interface FakeUser {
  id: string;
  /** Display name: what other people see. */
  name: string;
  /** Only for finding them by address (an invitation); never sent to others. */
  email: string;
}

interface Kept {
  seq: number;
  epoch: string;
  sender: FakeUser;
  payload: Record<string, unknown>;
}

interface FakeRoom {
  seq: number;
  epoch: string;
  history: Kept[];
  members: Map<FakeConnection, FakeUser>;
}

interface Owned {
  name: string;
  owner: FakeUser;
  isPublic: boolean;
  /** The people let in, in the order they were. */
  members: Map<string, FakeUser>;
  createdAt: string;
}

export interface Received {
  connection: FakeConnection;
  state: string;
  data: Record<string, unknown>;
  id: unknown;
}

const NOT_FOUND = "No such room, or not one you may join.";
const OWNER_ONLY = "Only the room's owner may do this.";

function decode(raw: RawData): unknown {
  const text = Array.isArray(raw)
    ? Buffer.concat(raw).toString("utf8")
    : Buffer.from(raw as ArrayBuffer).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Someone as others see them. */
export function person(user: FakeUser): MemberView {
  return { id: user.id, name: user.name };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

function noContent(): Response {
  return new Response(null, { status: 204 });
}

export class FakeRooms {
  readonly rooms = new Map<string, FakeRoom>();
  /** The rooms people own, by name. */
  readonly directory = new Map<string, Owned>();
  /** Every request after the handshake, in order. */
  readonly requests: Received[] = [];
  /** Answer `join` and `publish` with `unavailable` (the rooms' engine is down). */
  unavailable = false;
  /** A rejoin's replay starts this many updates before `since`: repeats the client must drop. */
  replayOverlap = 0;
  /** Send `published` before the sender's own `update` (the protocol allows either order). */
  publishedFirst = false;
  /** Refuse to join a name that is not in the directory, as the real server does. */
  requireRoom = false;
  /** The most rooms one person may own. */
  maxOwned = 10;
  private readonly users: Readonly<Record<string, FakeUser>>;
  private epochs = 0;
  private created = 0;

  /** `users`: the accepted tokens and whose they are. */
  constructor(users: Readonly<Record<string, FakeUser>>) {
    this.users = users;
  }

  /** The fake server's onConnection. */
  readonly serve = (connection: FakeConnection): void => {
    let user: FakeUser | null = null;
    connection.socket.on("message", (raw: RawData) => {
      const message = decode(raw);
      if (user === null) {
        const token =
          typeof message === "object" && message !== null && "token" in message
            ? message.token
            : undefined;
        const found = typeof token === "string" ? this.users[token] : undefined;
        if (found) {
          user = found;
          connection.send({
            state: "initialised",
            data: { user: { id: found.id, email: found.email, name: found.name } },
          } satisfies InitialisedFrame);
        } else {
          connection.send({
            state: "error",
            error: "Could not validate credentials.",
            code: "unauthorized",
          } satisfies ErrorFrame);
          connection.close(CLOSES_WITH.unauthorized, "Could not validate credentials.");
        }
        return;
      }
      if (typeof message !== "object" || message === null || !("state" in message)) return;
      const request = message as { state: string; data?: Record<string, unknown>; id?: unknown };
      const received: Received = {
        connection,
        state: request.state,
        data: request.data ?? {},
        id: request.id,
      };
      this.requests.push(received);
      this.handle(received, user);
    });
    connection.socket.on("close", () => {
      for (const [name, room] of this.rooms) {
        const member = room.members.get(connection);
        if (member) this.remove(name, room, connection, member);
      }
    });
  };

  /** Publishes as `sender` from outside any socket (another worker, say). */
  publish(name: string, sender: FakeUser, payload: Record<string, unknown>): number {
    const room = this.room(name);
    room.seq += 1;
    const kept = { seq: room.seq, epoch: room.epoch, sender, payload };
    room.history.push(kept);
    for (const connection of room.members.keys()) connection.send(updateFrame(name, kept));
    return room.seq;
  }

  /** The room's numbering starts over (a new epoch): what the server does after losing its rooms. */
  restart(name: string): string {
    const room = this.room(name);
    this.epochs += 1;
    room.epoch = `epoch-${String(this.epochs)}`;
    room.seq = 0;
    room.history = [];
    return room.epoch;
  }

  /** Makes `owner` own `name` (as POST /rooms does), with `members` let in. */
  own(name: string, owner: FakeUser, { isPublic = false, members = [] as FakeUser[] } = {}): void {
    this.created += 1;
    this.directory.set(name, {
      name,
      owner,
      isPublic,
      members: new Map(members.map((member) => [member.id, member])),
      createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, this.created)).toISOString(),
    });
  }

  /** Who is in `name`, by display name, one entry per socket. */
  membersOf(name: string): string[] {
    return [...(this.rooms.get(name)?.members.values() ?? [])].map((member) => member.name);
  }

  requestsFor(state: string): Received[] {
    return this.requests.filter((request) => request.state === state);
  }

  mayJoin(name: string, user: FakeUser): boolean {
    const owned = this.directory.get(name);
    if (!owned) return !this.requireRoom;
    return owned.isPublic || owned.owner.id === user.id || owned.members.has(user.id);
  }

  /**
   * Puts out of `name` every socket whose user is not in `keepOnly` (everyone for an empty
   * set), with `{"state": "left", "data": {room, reason}}` and no id.
   */
  putOut(name: string, keepOnly: ReadonlySet<string>, reason: PutOutData["reason"]): void {
    const room = this.rooms.get(name);
    if (!room) return;
    for (const [connection, member] of [...room.members]) {
      if (keepOnly.has(member.id)) continue;
      connection.send({ state: "left", data: { room: name, reason } } satisfies PutOutFrame);
      this.remove(name, room, connection, member);
    }
  }

  /**
   * The HTTP side, for FakeAuthBackend's `route`: `caller` makes every request (the
   * backend's one user). Null for paths that are not the rooms'.
   */
  http(request: FakeRequest, backend: FakeAuthBackend, caller: FakeUser): Response | null {
    const url = new URL(request.path, "http://backend.test");
    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
    if (parts[0] !== "rooms") return null;
    if (!backend.authorized(request)) return json(401, { detail: "Not authenticated." });
    const body = (request.body ?? {}) as Record<string, unknown>;
    const [, name, sub, userId] = parts;

    if (name === undefined) {
      if (request.method === "GET") {
        const skip = Number(url.searchParams.get("skip") ?? "0");
        const limit = Number(url.searchParams.get("limit") ?? "100");
        const visible = [...this.directory.values()]
          .filter((owned) => this.mayJoin(owned.name, caller))
          .reverse();
        return json(200, {
          data: visible.slice(skip, skip + limit).map((owned) => this.describe(owned, caller)),
          count: visible.length,
        });
      }
      if (request.method === "POST") {
        const wanted = body.name;
        if (typeof wanted !== "string" || !ROOM_NAME_PATTERN.test(wanted)) {
          return json(422, {
            detail: [
              {
                loc: ["body", "name"],
                msg: "String should match pattern",
                type: "string_pattern_mismatch",
              },
            ],
          });
        }
        const owned = [...this.directory.values()].filter(
          (room) => room.owner.id === caller.id,
        ).length;
        if (owned >= this.maxOwned) {
          return json(403, {
            detail: `You own ${String(this.maxOwned)} rooms, the most one may; delete one first.`,
          });
        }
        if (this.directory.has(wanted))
          return json(409, { detail: "A room with this name already exists." });
        this.own(wanted, caller, { isPublic: body.is_public === true });
        const made = this.directory.get(wanted);
        return made ? json(201, this.describe(made, caller)) : null;
      }
      return null;
    }

    const owned = this.directory.get(name);
    if (!owned || !this.mayJoin(name, caller)) return json(404, { detail: NOT_FOUND });
    const isOwner = owned.owner.id === caller.id;

    if (sub === undefined) {
      if (request.method === "GET") {
        return json(200, {
          ...this.describe(owned, caller),
          members: [...owned.members.values()].map(person),
        });
      }
      if (!isOwner) return json(403, { detail: OWNER_ONLY });
      if (request.method === "PATCH") {
        owned.isPublic = body.is_public === true;
        if (!owned.isPublic) this.putOut(name, this.allowed(owned), "removed");
        return json(200, this.describe(owned, caller));
      }
      if (request.method === "DELETE") {
        this.directory.delete(name);
        this.putOut(name, new Set(), "deleted");
        this.restart(name);
        return noContent();
      }
      return null;
    }

    if (sub !== "members") return null;
    if (request.method === "POST" && userId === undefined) {
      if (!isOwner) return json(403, { detail: OWNER_ONLY });
      const invited = Object.values(this.users).find((user) => user.email === body.email);
      if (!invited) return json(400, { detail: "No active account has this address." });
      if (invited.id === owned.owner.id || owned.members.has(invited.id)) {
        return json(409, { detail: "They are in this room already." });
      }
      owned.members.set(invited.id, invited);
      return json(201, person(invited));
    }
    if (request.method === "DELETE" && userId !== undefined) {
      if (!isOwner && userId !== caller.id) return json(403, { detail: OWNER_ONLY });
      if (!owned.members.delete(userId)) return json(404, { detail: "Not a member of this room." });
      if (!owned.isPublic) this.putOut(name, this.allowed(owned), "removed");
      return noContent();
    }
    return null;
  }

  private allowed(owned: Owned): Set<string> {
    return new Set([owned.owner.id, ...owned.members.keys()]);
  }

  private describe(owned: Owned, caller: FakeUser): Record<string, unknown> {
    return {
      name: owned.name,
      is_public: owned.isPublic,
      owner: person(owned.owner),
      is_owner: owned.owner.id === caller.id,
      created_at: owned.createdAt,
    };
  }

  private room(name: string): FakeRoom {
    let room = this.rooms.get(name);
    if (!room) {
      this.epochs += 1;
      room = { seq: 0, epoch: `epoch-${String(this.epochs)}`, history: [], members: new Map() };
      this.rooms.set(name, room);
    }
    return room;
  }

  private handle({ connection, state, data, id }: Received, user: FakeUser): void {
    const reply = (frame: Record<string, unknown>) => {
      connection.send(id === undefined ? frame : { ...frame, id });
    };
    const fail = (code: ErrorCode, error: string) => {
      reply({ state: "error", error, code } satisfies ErrorFrame);
    };
    const name = data.room;
    if (state === "ping") {
      reply({ state: "pong", data });
      return;
    }
    if (!["join", "publish", "leave"].includes(state)) {
      fail("unknown_state", `Unknown state: ${state}.`);
      return;
    }
    if (typeof name !== "string" || !ROOM_NAME_PATTERN.test(name)) {
      fail("invalid_data", "room: the name is not valid.");
      return;
    }
    const room = this.room(name);
    const joined = room.members.has(connection);

    if (state === "join") {
      const { since, epoch } = data;
      if (
        since !== undefined &&
        (typeof since !== "number" || !Number.isInteger(since) || since < 0)
      ) {
        fail("invalid_data", "since: must be a whole number, 0 or more.");
        return;
      }
      if (epoch !== undefined && typeof epoch !== "string") {
        fail("invalid_data", "epoch: must be a string.");
        return;
      }
      if (joined) {
        fail("not_allowed", `You are already in room '${name}'.`);
        return;
      }
      if (!this.mayJoin(name, user)) {
        fail("not_allowed", `You may not join room '${name}'.`);
        return;
      }
      if (this.unavailable) {
        fail("unavailable", "Rooms are unavailable right now; try again shortly.");
        return;
      }
      const first = ![...room.members.values()].some((member) => member.id === user.id);
      room.members.set(connection, user);
      const members = [
        ...new Map(
          [...room.members.values()].map((member) => [member.id, person(member)]),
        ).values(),
      ];
      const body: Record<string, unknown> = {
        room: name,
        seq: room.seq,
        epoch: room.epoch,
        members,
      };
      const replay: Kept[] = [];
      if (typeof since === "number") {
        const sameEpoch = epoch === undefined || epoch === room.epoch;
        if (sameEpoch) {
          const from = Math.max(0, since - this.replayOverlap);
          replay.push(...room.history.filter((kept) => kept.seq > from));
          body.history_complete = since >= room.seq || replay[0]?.seq === from + 1;
        } else {
          body.history_complete = false;
        }
      }
      reply({ state: "joined", data: body });
      for (const kept of replay) connection.send(updateFrame(name, kept));
      if (first) this.announce(name, room, connection, user, "joined");
      return;
    }

    if (!joined) {
      fail(
        "not_allowed",
        state === "publish"
          ? `Join room '${name}' before publishing.`
          : `You are not in room '${name}'.`,
      );
      return;
    }
    if (state === "publish") {
      const payload = data.payload;
      if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
        fail("invalid_data", "payload: must be an object.");
        return;
      }
      if (this.unavailable) {
        fail("unavailable", "Rooms are unavailable right now; try again shortly.");
        return;
      }
      room.seq += 1;
      const kept = {
        seq: room.seq,
        epoch: room.epoch,
        sender: user,
        payload: payload as Record<string, unknown>,
      };
      room.history.push(kept);
      if (this.publishedFirst) reply({ state: "published", data: { room: name, seq: kept.seq } });
      for (const member of room.members.keys()) member.send(updateFrame(name, kept));
      if (!this.publishedFirst) reply({ state: "published", data: { room: name, seq: kept.seq } });
      return;
    }
    // leave
    reply({ state: "left", data: { room: name } });
    this.remove(name, room, connection, user);
  }

  private remove(name: string, room: FakeRoom, connection: FakeConnection, user: FakeUser): void {
    room.members.delete(connection);
    if (![...room.members.values()].some((member) => member.id === user.id)) {
      this.announce(name, room, connection, user, "left");
    }
  }

  private announce(
    name: string,
    room: FakeRoom,
    except: FakeConnection,
    member: FakeUser,
    event: PresenceData["event"],
  ): void {
    for (const connection of room.members.keys()) {
      if (connection !== except) {
        connection.send({
          state: "presence",
          data: { room: name, event, member: person(member) },
        } satisfies PresenceFrame);
      }
    }
  }
}

export function updateFrame(room: string, kept: Kept): UpdateFrame {
  return {
    state: "update",
    data: {
      seq: kept.seq,
      epoch: kept.epoch,
      room,
      sender: person(kept.sender),
      payload: kept.payload,
    },
  };
}
