import type { AuthClient } from "./auth";
import {
  addMember,
  createRoom as createRoomRequest,
  deleteRoom as deleteRoomRequest,
  listRooms as listRoomsRequest,
  type Person,
  readRoom,
  removeMember as removeMemberRequest,
  type RoomDetail,
  type RoomPublic,
  type RoomsPublic,
  updateRoom,
} from "./client";

/*
 * Rooms as things people own, over HTTP (the backend's app/api/routes/rooms.py): which
 * rooms one may join, making one, letting people in, opening it to everyone, deleting it.
 * Being in a room (members, updates) is the session socket's: room.ts.
 */

export type { Person, RoomDetail };
export type Room = RoomPublic;
export type RoomList = RoomsPublic;

/** The most rooms the server lists at once. */
export const ROOMS_PAGE_SIZE = 100;

/**
 * The room's name as one segment of a page's path (":" needs no escaping there); "." and ".."
 * are spelled out so that they stay a name, not a path step.
 */
export function roomSegment(name: string): string {
  return encodeURIComponent(name).replace(/%3A/gi, ":");
}

/** The rooms the user may join (owned, let into, or public), newest first. */
export function listRooms(
  client: AuthClient,
  skip = 0,
  limit = ROOMS_PAGE_SIZE,
): Promise<RoomList> {
  return listRoomsRequest({ client: client.api, query: { skip, limit } });
}

/** Makes a room owned by the user: 409 when the name is taken, 403 when they own too many. */
export function createRoom(client: AuthClient, name: string, isPublic: boolean): Promise<Room> {
  return createRoomRequest({ client: client.api, body: { name, is_public: isPublic } });
}

/** A room with the people let in; 404 when there is none, or the user may not join it. */
export function getRoom(client: AuthClient, name: string): Promise<RoomDetail> {
  return readRoom({ client: client.api, path: { name } });
}

/** Opens the room to every signed-in user, or closes it to all but the people let in (its owner's). */
export function setRoomPublic(client: AuthClient, name: string, isPublic: boolean): Promise<Room> {
  return updateRoom({ client: client.api, path: { name }, body: { is_public: isPublic } });
}

/** Deletes the room for everyone (its owner's); whoever is in it is put out. */
export async function deleteRoom(client: AuthClient, name: string): Promise<void> {
  await deleteRoomRequest({ client: client.api, path: { name } });
}

/** Lets the person with this address into the room (its owner's): 400 when no account has it, 409 when already in. */
export function inviteMember(client: AuthClient, name: string, email: string): Promise<Person> {
  return addMember({ client: client.api, path: { name }, body: { email } });
}

/** Takes someone out of the room (its owner), or leaves it for good (a member, with their own id). */
export async function removeMember(
  client: AuthClient,
  name: string,
  userId: string,
): Promise<void> {
  await removeMemberRequest({ client: client.api, path: { name, user_id: userId } });
}
