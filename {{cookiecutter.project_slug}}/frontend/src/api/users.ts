import { ApiError, type AuthClient } from "./auth";

/*
 * Everyone's accounts, as an administrator (a superuser) manages them over HTTP (the backend's
 * app/api/routes/users.py): the list, a new account with a first password, and changes to one
 * (active or not, administrator or not). No change may leave the instance without an active
 * administrator: the server refuses it with 409 and says so.
 */

export interface ManagedUser {
  id: string;
  email: string;
  full_name: string | null;
  is_active: boolean;
  is_superuser: boolean;
  email_verified: boolean;
  /** ISO 8601. */
  created_at: string;
}

export interface UserList {
  data: ManagedUser[];
  /** How many accounts there are in all, beyond this page too. */
  count: number;
}

export interface NewUser {
  email: string;
  full_name: string | null;
  password: string;
  is_superuser: boolean;
}

export type UserChange = Partial<Pick<ManagedUser, "is_active" | "is_superuser">>;

/** The most accounts the server lists at once. */
export const USERS_PAGE_SIZE = 100;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isManagedUser(value: unknown): value is ManagedUser {
  return (
    isObject(value) &&
    typeof value.id === "string" &&
    typeof value.email === "string" &&
    (value.full_name === null || typeof value.full_name === "string") &&
    typeof value.is_active === "boolean" &&
    typeof value.is_superuser === "boolean" &&
    typeof value.email_verified === "boolean" &&
    typeof value.created_at === "string"
  );
}

function unexpected(): ApiError {
  return new ApiError(200, "Unexpected response from the server.");
}

/** The accounts, oldest first. */
export async function listUsers(
  client: AuthClient,
  skip = 0,
  limit = USERS_PAGE_SIZE,
): Promise<UserList> {
  const query = new URLSearchParams({ skip: String(skip), limit: String(limit) });
  const body = await client.request(`/users?${query.toString()}`, { method: "GET", auth: true });
  if (!isObject(body) || !Array.isArray(body.data) || typeof body.count !== "number")
    throw unexpected();
  const data: unknown[] = body.data;
  if (!data.every(isManagedUser)) throw unexpected();
  return { data, count: body.count };
}

/** A new account that signs in with `password`: 409 when the address has one already. */
export async function createUser(client: AuthClient, user: NewUser): Promise<ManagedUser> {
  const body = await client.request("/users", { auth: true, json: user });
  if (!isManagedUser(body)) throw unexpected();
  return body;
}

/** Turns an account on or off, or makes it an administrator or not: 409 for the last administrator. */
export async function updateUser(
  client: AuthClient,
  id: string,
  change: UserChange,
): Promise<ManagedUser> {
  const body = await client.request(`/users/${encodeURIComponent(id)}`, {
    method: "PATCH",
    auth: true,
    json: change,
  });
  if (!isManagedUser(body)) throw unexpected();
  return body;
}
