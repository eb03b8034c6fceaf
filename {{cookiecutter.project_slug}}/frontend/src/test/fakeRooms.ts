import type { RawData } from "ws";

import type { FakeConnection } from "./fakeServer";

/*
 * The backend's rooms (app/rooms/states.py) on top of the fake server: handshake, `join`
 * (with `since` and its replay), `publish`, `leave`, presence, and leaving every
 * room when a socket closes. Shared by all the server's connections, so that a
 * test can put several people in a room.
 */

export interface FakeUser {
  id: string;
  email: string;
}

interface Kept {
  seq: number;
  sender: FakeUser;
  payload: Record<string, unknown>;
}

interface FakeRoom {
  seq: number;
  history: Kept[];
  members: Map<FakeConnection, FakeUser>;
}

export interface Received {
  connection: FakeConnection;
  state: string;
  data: Record<string, unknown>;
  id: unknown;
}

const ROOM_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

function decode(raw: RawData): unknown {
  const text = Array.isArray(raw) ? Buffer.concat(raw).toString("utf8") : Buffer.from(raw as ArrayBuffer).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class FakeRooms {
  readonly rooms = new Map<string, FakeRoom>();
  /** Every request after the handshake, in order. */
  readonly requests: Received[] = [];
  /** Answer `join` and `publish` with `unavailable` (the rooms' engine is down). */
  unavailable = false;
  /** A rejoin's replay starts this many updates before `since`: repeats the client must drop. */
  replayOverlap = 0;
  /** Send `published` before the sender's own `update` (the protocol allows either order). */
  publishedFirst = false;
  private readonly users: Readonly<Record<string, FakeUser>>;

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
          typeof message === "object" && message !== null && "token" in message ? message.token : undefined;
        const found = typeof token === "string" ? this.users[token] : undefined;
        if (found) {
          user = found;
          connection.send({ state: "initialised", data: { user } });
        } else {
          connection.send({ state: "error", error: "Could not validate credentials.", code: "unauthorized" });
          connection.close(1008, "Could not validate credentials.");
        }
        return;
      }
      if (typeof message !== "object" || message === null || !("state" in message)) return;
      const request = message as { state: string; data?: Record<string, unknown>; id?: unknown };
      const received: Received = { connection, state: request.state, data: request.data ?? {}, id: request.id };
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
    const kept = { seq: room.seq, sender, payload };
    room.history.push(kept);
    for (const connection of room.members.keys()) connection.send(updateFrame(name, kept));
    return room.seq;
  }

  /** Who is in `name`, by email, one entry per socket. */
  membersOf(name: string): string[] {
    return [...(this.rooms.get(name)?.members.values() ?? [])].map((member) => member.email);
  }

  requestsFor(state: string): Received[] {
    return this.requests.filter((request) => request.state === state);
  }

  private room(name: string): FakeRoom {
    let room = this.rooms.get(name);
    if (!room) {
      room = { seq: 0, history: [], members: new Map() };
      this.rooms.set(name, room);
    }
    return room;
  }

  private handle({ connection, state, data, id }: Received, user: FakeUser): void {
    const reply = (frame: Record<string, unknown>) => {
      connection.send(id === undefined ? frame : { ...frame, id });
    };
    const fail = (code: string, error: string) => {
      reply({ state: "error", error, code });
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
    if (typeof name !== "string" || !ROOM_NAME.test(name)) {
      fail("invalid_data", "room: the name is not valid.");
      return;
    }
    const room = this.room(name);
    const joined = room.members.has(connection);

    if (state === "join") {
      const since = data.since;
      if (since !== undefined && (typeof since !== "number" || !Number.isInteger(since) || since < 0)) {
        fail("invalid_data", "since: must be a whole number, 0 or more.");
        return;
      }
      if (joined) {
        fail("not_allowed", `You are already in room '${name}'.`);
        return;
      }
      if (this.unavailable) {
        fail("unavailable", "Rooms are unavailable right now; try again shortly.");
        return;
      }
      const first = ![...room.members.values()].some((member) => member.id === user.id);
      room.members.set(connection, user);
      const members = [...new Map([...room.members.values()].map((member) => [member.id, member])).values()];
      const body: Record<string, unknown> = { room: name, seq: room.seq, members };
      const replay: Kept[] = [];
      if (typeof since === "number") {
        const from = Math.max(0, since - this.replayOverlap);
        replay.push(...room.history.filter((kept) => kept.seq > from));
        body.history_complete = since >= room.seq || replay[0]?.seq === from + 1;
      }
      reply({ state: "joined", data: body });
      for (const kept of replay) connection.send(updateFrame(name, kept));
      if (first) this.announce(name, room, connection, user, "joined");
      return;
    }

    if (!joined) {
      fail("not_allowed", state === "publish" ? `Join room '${name}' before publishing.` : `You are not in room '${name}'.`);
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
      const kept = { seq: room.seq, sender: user, payload: payload as Record<string, unknown> };
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

  private announce(name: string, room: FakeRoom, except: FakeConnection, member: FakeUser, event: string): void {
    for (const connection of room.members.keys()) {
      if (connection !== except) connection.send({ state: "presence", data: { room: name, event, member } });
    }
  }
}

export function updateFrame(room: string, kept: Kept): Record<string, unknown> {
  return { state: "update", data: { seq: kept.seq, room, sender: kept.sender, payload: kept.payload } };
}
