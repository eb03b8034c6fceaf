import type { AuthClient } from "./auth";
import {
  createUser as createUserRequest,
  listUsers as listUsersRequest,
  updateUser as updateUserRequest,
  type UserCreate,
  type UserPublic,
  type UsersPublic,
} from "./client";

/*
 * Everyone's accounts, as an administrator (a superuser) manages them over HTTP (the backend's
 * app/api/routes/users.py): the list, a new account with a first password, and changes to one
 * (active or not, administrator or not). No change may leave the instance without an active
 * administrator: the server refuses it with 409 and says so.
 */

export type ManagedUser = UserPublic;
export type UserList = UsersPublic;
export type NewUser = Required<
  Pick<UserCreate, "email" | "full_name" | "password" | "is_superuser">
>;
export type UserChange = Partial<Pick<ManagedUser, "is_active" | "is_superuser">>;

/** The most accounts the server lists at once. */
export const USERS_PAGE_SIZE = 100;

/** The accounts, oldest first. */
export function listUsers(
  client: AuthClient,
  skip = 0,
  limit = USERS_PAGE_SIZE,
): Promise<UserList> {
  return listUsersRequest({ client: client.api, query: { skip, limit } });
}

/** A new account that signs in with `password`: 409 when the address has one already. */
export function createUser(client: AuthClient, user: NewUser): Promise<ManagedUser> {
  return createUserRequest({ client: client.api, body: user });
}

/** Turns an account on or off, or makes it an administrator or not: 409 for the last administrator. */
export function updateUser(
  client: AuthClient,
  id: string,
  change: UserChange,
): Promise<ManagedUser> {
  return updateUserRequest({ client: client.api, path: { user_id: id }, body: change });
}
