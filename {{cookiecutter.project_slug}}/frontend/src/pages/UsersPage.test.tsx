// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import type { UserPublic as ManagedUser } from "../api/client";
import { FakeAuthBackend, type FakeRequest, json, renderApp } from "../test/fakeAuthBackend";
import "../test/react";
import { ADMINISTRATORS_ONLY } from "./UsersPage";

afterEach(() => {
  cleanup();
});

const LAST_ADMINISTRATOR =
  "This is the last active administrator: make another user an administrator first.";

function account(id: string, email: string, fields: Partial<ManagedUser> = {}): ManagedUser {
  return {
    id,
    email,
    full_name: null,
    is_active: true,
    is_superuser: false,
    email_verified: true,
    created_at: "2025-01-01T00:00:00Z",
    ...fields,
  };
}

/** The users API over a list in memory, with the server's rule: always one active administrator. */
function usersBackend(others: ManagedUser[], { superuser = true, pageSize = 100 } = {}) {
  const users: ManagedUser[] = [
    account("u1", "me@example.com", { full_name: "Me Myself", is_superuser: superuser }),
    ...others,
  ];
  const route = (request: FakeRequest, backend: FakeAuthBackend): Response | null => {
    const [path = "", query = ""] = request.path.split("?");
    if (path !== "/users" && !path.startsWith("/users/")) return null;
    if (path === "/users/me" || path.startsWith("/users/me/")) return null;
    if (!backend.authorized(request)) return json(401, { detail: "Not authenticated." });
    if (!backend.user.is_superuser)
      return json(403, { detail: "The user doesn't have enough privileges." });
    if (request.method === "GET" && path === "/users") {
      const params = new URLSearchParams(query);
      const skip = Number(params.get("skip") ?? "0");
      // The server may send fewer than asked for: the page then asks for the rest.
      const limit = Math.min(Number(params.get("limit") ?? "100"), pageSize);
      return json(200, { data: users.slice(skip, skip + limit), count: users.length });
    }
    if (request.method === "POST" && path === "/users") {
      const body = request.body as {
        email: string;
        full_name: string | null;
        is_superuser: boolean;
      };
      if (users.some((user) => user.email === body.email)) {
        return json(409, { detail: "A user with this email already exists." });
      }
      const created = account(`u${String(users.length + 1)}`, body.email, {
        full_name: body.full_name,
        is_superuser: body.is_superuser,
        email_verified: false,
      });
      users.push(created);
      return json(201, created);
    }
    if (request.method === "PATCH") {
      const index = users.findIndex((user) => path === `/users/${user.id}`);
      const found = users[index];
      if (!found) return json(404, { detail: "User not found." });
      const change = request.body as Partial<ManagedUser>;
      const demoted = change.is_superuser === false || change.is_active === false;
      const otherAdmins = users.filter(
        (user) => user.id !== found.id && user.is_superuser && user.is_active,
      );
      if (demoted && found.is_superuser && found.is_active && otherAdmins.length === 0) {
        return json(409, { detail: LAST_ADMINISTRATOR });
      }
      const updated = { ...found, ...change };
      users[index] = updated;
      if (updated.id === backend.user.id) backend.user = { ...backend.user, ...change };
      return json(200, updated);
    }
    return json(405, { detail: "Method Not Allowed" });
  };
  const backend = new FakeAuthBackend({ loggedIn: true, user: { is_superuser: superuser }, route });
  return { backend, users };
}

function row(name: string): HTMLElement {
  return screen.getByRole("listitem", { name });
}

describe("UsersPage", () => {
  it("is for administrators only: no link in the header, and a plain message on the page", async () => {
    const { backend } = usersBackend([], { superuser: false });
    renderApp("/users", backend);
    expect(await screen.findByText(ADMINISTRATORS_ONLY)).toBeTruthy();
    expect(screen.queryByRole("link", { name: "Users" })).toBeNull();
    expect(backend.requests.some((request) => request.path.startsWith("/users?"))).toBe(false);
  });

  it("lists the accounts, adds one with a first password, and makes it an administrator then not", async () => {
    const { backend, users } = usersBackend([
      account("u2", "ann@example.com", { full_name: "Ann Other" }),
    ]);
    renderApp("/users", backend);
    expect((await screen.findByRole("link", { name: "Users" })).getAttribute("aria-current")).toBe(
      "page",
    );
    await screen.findByRole("heading", { name: "Accounts (2)" });
    expect(within(row("Me Myself")).getByText("You")).toBeTruthy();
    expect(within(row("Me Myself")).getByText("Administrator")).toBeTruthy();
    expect(within(row("Ann Other")).getByText("ann@example.com")).toBeTruthy();

    // A first password too short for the server is caught before it is sent.
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: " new@example.com " } });
    fireEvent.change(screen.getByLabelText("Name (optional)"), { target: { value: "New Person" } });
    fireEvent.change(screen.getByLabelText("First password"), { target: { value: "short" } });
    fireEvent.click(screen.getByRole("button", { name: "Add user" }));
    expect((await screen.findByRole("alert")).textContent).toContain("at least 12 characters");
    expect(backend.calls("POST /users")).toHaveLength(0);

    fireEvent.change(screen.getByLabelText("First password"), {
      target: { value: "a long first password" },
    });
    fireEvent.click(screen.getByRole("button", { name: "Add user" }));
    expect(await screen.findByText(/^new@example.com can log in now/)).toBeTruthy();
    expect(backend.calls("POST /users")[0]?.body).toEqual({
      email: "new@example.com",
      full_name: "New Person",
      password: "a long first password",
      is_superuser: false,
    });
    // The new account comes first, and the form is empty again.
    expect(screen.getAllByRole("listitem")[0]?.getAttribute("aria-label")).toBe("New Person");
    expect(screen.getByLabelText<HTMLInputElement>("Email").value).toBe("");
    await screen.findByRole("heading", { name: "Accounts (3)" });

    fireEvent.click(within(row("New Person")).getByRole("button", { name: /^Make administrator/ }));
    await waitFor(() => {
      expect(within(row("New Person")).getByText("Administrator")).toBeTruthy();
    });
    expect(users.find((user) => user.email === "new@example.com")?.is_superuser).toBe(true);
    fireEvent.click(
      within(row("New Person")).getByRole("button", { name: /^Remove administrator/ }),
    );
    await waitFor(() => {
      expect(within(row("New Person")).queryByText("Administrator")).toBeNull();
    });
  });

  it("deactivates an account and turns it on again", async () => {
    const { backend, users } = usersBackend([
      account("u2", "ann@example.com", { full_name: "Ann Other" }),
    ]);
    renderApp("/users", backend);
    fireEvent.click(
      await within(await screen.findByRole("listitem", { name: "Ann Other" })).findByRole(
        "button",
        { name: /^Deactivate/ },
      ),
    );
    await waitFor(() => {
      expect(within(row("Ann Other")).getByText("Deactivated")).toBeTruthy();
    });
    expect(users[1]?.is_active).toBe(false);
    expect(backend.calls("PATCH /users/u2")[0]?.body).toEqual({ is_active: false });
    fireEvent.click(within(row("Ann Other")).getByRole("button", { name: /^Reactivate/ }));
    await waitFor(() => {
      expect(within(row("Ann Other")).queryByText("Deactivated")).toBeNull();
    });
  });

  it("asks before a change to one's own account, and says why the last administrator stays one", async () => {
    const { backend } = usersBackend([account("u2", "ann@example.com")]);
    renderApp("/users", backend);
    const mine = await screen.findByRole("listitem", { name: "Me Myself" });
    fireEvent.click(within(mine).getByRole("button", { name: /^Remove administrator/ }));
    expect(within(mine).getByRole("group", { name: "Confirm the change" }).textContent).toContain(
      "You may lose access to this page",
    );
    fireEvent.click(within(mine).getByRole("button", { name: "Cancel" }));
    expect(backend.calls("PATCH /users/u1")).toHaveLength(0);

    fireEvent.click(within(mine).getByRole("button", { name: /^Remove administrator/ }));
    fireEvent.click(within(mine).getByRole("button", { name: "Yes, remove administrator" }));
    expect((await within(mine).findByRole("alert")).textContent).toBe(LAST_ADMINISTRATOR);
    expect(within(mine).getByText("Administrator")).toBeTruthy();
  });

  it("gives up this page once the administrator made themself a user like the others", async () => {
    const { backend } = usersBackend([account("u2", "ann@example.com", { is_superuser: true })]);
    renderApp("/users", backend);
    const mine = await screen.findByRole("listitem", { name: "Me Myself" });
    fireEvent.click(within(mine).getByRole("button", { name: /^Remove administrator/ }));
    fireEvent.click(within(mine).getByRole("button", { name: "Yes, remove administrator" }));
    expect(await screen.findByText(ADMINISTRATORS_ONLY)).toBeTruthy();
    expect(screen.queryByRole("link", { name: "Users" })).toBeNull();
  });

  it("loads more accounts past the first page", async () => {
    const more = Array.from({ length: 4 }, (_, index) =>
      account(`m${String(index)}`, `m${String(index)}@example.com`),
    );
    const { backend } = usersBackend(more, { pageSize: 3 });
    renderApp("/users", backend);
    fireEvent.click(await screen.findByRole("button", { name: "Show more (2 left)" }));
    await waitFor(() => {
      expect(screen.getAllByRole("listitem")).toHaveLength(5);
    });
    expect(screen.queryByRole("button", { name: /Show more/ })).toBeNull();
    expect(
      backend.requests
        .filter((request) => request.path.startsWith("/users?"))
        .map((request) => request.path),
    ).toEqual(["/users?skip=0&limit=100", "/users?skip=3&limit=100"]);
  });
});
