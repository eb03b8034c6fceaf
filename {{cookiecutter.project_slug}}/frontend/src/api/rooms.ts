import { ApiError, type AuthClient } from "./auth";

/*
 * Rooms as things people own, over HTTP (the backend's app/api/routes/rooms.py): which
 * rooms one may join, making one, letting people in, opening it to everyone, deleting it.
 * Being in a room (members, updates) is the session socket's: room.ts.
 */

/** Someone as other people see them: by display name, never by email address. */
export interface Person {
  id: string;
  name: string;
}

export interface Room {
  name: string;
  /** Every signed-in user may join it; else only its owner and the people let in. */
  is_public: boolean;
  owner: Person;
  /** Whether the one asking owns it. */
  is_owner: boolean;
  /** ISO 8601. */
  created_at: string;
}

export interface RoomDetail extends Room {
  /** The people let in (the owner is not among them). */
  members: Person[];
}

export interface RoomList {
  data: Room[];
  /** How many rooms there are in all, beyond this page too. */
  count: number;
}

/** The most rooms the server lists at once. */
export const ROOMS_PAGE_SIZE = 100;

/**
 * The room's name as one segment of a path (":" needs no escaping there); "." and ".." are
 * spelled out so that they stay a name, not a path step.
 */
export function roomSegment(name: string): string {
  return encodeURIComponent(name).replace(/%3A/gi, ":");
}

function roomUrl(name: string): string {
  return `/rooms/${roomSegment(name)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPerson(value: unknown): value is Person {
  return isObject(value) && typeof value.id === "string" && typeof value.name === "string";
}

function isRoom(value: unknown): value is Room {
  return (
    isObject(value) &&
    typeof value.name === "string" &&
    typeof value.is_public === "boolean" &&
    isPerson(value.owner) &&
    typeof value.is_owner === "boolean" &&
    typeof value.created_at === "string"
  );
}

function isRoomDetail(value: unknown): value is RoomDetail {
  return (
    isRoom(value) &&
    "members" in value &&
    Array.isArray(value.members) &&
    value.members.every(isPerson)
  );
}

/** A success whose body is not what the API describes. */
function unexpected(): ApiError {
  return new ApiError(200, "Unexpected response from the server.");
}

/** The rooms the user may join (owned, let into, or public), newest first. */
export async function listRooms(
  client: AuthClient,
  skip = 0,
  limit = ROOMS_PAGE_SIZE,
): Promise<RoomList> {
  const query = new URLSearchParams({ skip: String(skip), limit: String(limit) });
  const body = await client.request(`/rooms?${query.toString()}`, { method: "GET", auth: true });
  if (!isObject(body) || !Array.isArray(body.data) || typeof body.count !== "number")
    throw unexpected();
  const data: unknown[] = body.data;
  if (!data.every(isRoom)) throw unexpected();
  return { data, count: body.count };
}

/** Makes a room owned by the user: 409 when the name is taken, 403 when they own too many. */
export async function createRoom(
  client: AuthClient,
  name: string,
  isPublic: boolean,
): Promise<Room> {
  const body = await client.request("/rooms", { auth: true, json: { name, is_public: isPublic } });
  if (!isRoom(body)) throw unexpected();
  return body;
}

/** A room with the people let in; 404 when there is none, or the user may not join it. */
export async function getRoom(client: AuthClient, name: string): Promise<RoomDetail> {
  const body = await client.request(roomUrl(name), { method: "GET", auth: true });
  if (!isRoomDetail(body)) throw unexpected();
  return body;
}

/** Opens the room to every signed-in user, or closes it to all but the people let in (its owner's). */
export async function setRoomPublic(
  client: AuthClient,
  name: string,
  isPublic: boolean,
): Promise<Room> {
  const body = await client.request(roomUrl(name), {
    method: "PATCH",
    auth: true,
    json: { is_public: isPublic },
  });
  if (!isRoom(body)) throw unexpected();
  return body;
}

/** Deletes the room for everyone (its owner's); whoever is in it is put out. */
export async function deleteRoom(client: AuthClient, name: string): Promise<void> {
  await client.request(roomUrl(name), { method: "DELETE", auth: true });
}

/** Lets the person with this address into the room (its owner's): 400 when no account has it, 409 when already in. */
export async function inviteMember(
  client: AuthClient,
  name: string,
  email: string,
): Promise<Person> {
  const body = await client.request(`${roomUrl(name)}/members`, { auth: true, json: { email } });
  if (!isPerson(body)) throw unexpected();
  return body;
}

/** Takes someone out of the room (its owner), or leaves it for good (a member, with their own id). */
export async function removeMember(
  client: AuthClient,
  name: string,
  userId: string,
): Promise<void> {
  await client.request(`${roomUrl(name)}/members/${encodeURIComponent(userId)}`, {
    method: "DELETE",
    auth: true,
  });
}
