// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";

import { createAuthClient } from "./api/auth";
import { fetchArguments } from "./test/requests";
import { App } from "./App";
import "./test/react";

afterEach(() => {
  cleanup();
});

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

/** A backend with one user and a refresh cookie modelled as a flag. */
function fakeBackend(loggedIn: boolean) {
  let cookie = loggedIn;
  const user = {
    id: "u1",
    email: "me@example.com",
    full_name: "Me Myself",
    is_active: true,
    is_superuser: false,
    email_verified: false,
    created_at: "2025-01-01T00:00:00Z",
  };
  const fetchImpl = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.endsWith("/login/oauth")) {
      const form = new URLSearchParams(typeof init?.body === "string" ? init.body : "");
      if (form.get("username") !== user.email || form.get("password") !== "right") {
        return Promise.resolve(json(400, { detail: "Incorrect email or password." }));
      }
      cookie = true;
      return Promise.resolve(
        json(200, { access_token: "A", token_type: "bearer", expires_in: 900 }),
      );
    }
    if (url.endsWith("/login/resume")) {
      return Promise.resolve(
        cookie
          ? json(200, { access_token: "A", token_type: "bearer", expires_in: 900 })
          : json(200, { signed_in: false }),
      );
    }
    if (url.endsWith("/login/logout")) {
      cookie = false;
      return Promise.resolve(new Response(null, { status: 204 }));
    }
    if (url.endsWith("/users/me")) return Promise.resolve(json(200, user));
    return Promise.resolve(json(404, { detail: "Not Found" }));
  };
  return createAuthClient({
    baseUrl: "http://backend.test",
    fetch: async (input, init) => fetchImpl(...(await fetchArguments(input, init))),
  });
}

function renderApp(path: string, loggedIn: boolean) {
  render(
    <MemoryRouter initialEntries={[path]}>
      <App authClient={fakeBackend(loggedIn)} />
    </MemoryRouter>,
  );
}

describe("App routes", () => {
  it("redirects to /login when not logged in, shows login errors, then logs in and out", async () => {
    renderApp("/", false);
    const email = await screen.findByTestId("login-email");
    fireEvent.change(email, { target: { value: "me@example.com" } });
    fireEvent.change(screen.getByTestId("login-password"), { target: { value: "wrong" } });
    fireEvent.click(screen.getByTestId("login-submit"));
    expect((await screen.findByTestId("login-error")).textContent).toBe(
      "Incorrect email or password.",
    );

    fireEvent.change(screen.getByTestId("login-password"), { target: { value: "right" } });
    fireEvent.click(screen.getByTestId("login-submit"));
    expect((await screen.findByTestId("home-greeting")).textContent).toContain("Me Myself");
    expect(screen.getByTestId("session-link").getAttribute("href")).toBe("/session");
    expect(screen.getByTestId("rooms-link").getAttribute("href")).toBe("/rooms");
    expect(screen.getByTestId("nav-rooms").getAttribute("href")).toBe("/rooms");
    expect(screen.getByTestId("current-user").textContent).toBe("me@example.com");

    fireEvent.click(screen.getByTestId("logout-button"));
    await screen.findByTestId("login-form");
    expect(screen.queryByTestId("logout-button")).toBeNull();
  });

  it("restores a session from the refresh cookie on start", async () => {
    renderApp("/", true);
    await screen.findByTestId("home-greeting");
    await waitFor(() => {
      expect(screen.queryByTestId("login-form")).toBeNull();
    });
  });

  it("sends a logged-out visitor of /session to /login", async () => {
    renderApp("/session", false);
    await screen.findByTestId("login-form");
    expect(screen.queryByTestId("connection-status")).toBeNull();
  });

  it("folds the header's links into a menu button that says whether it is open, and closes it on a link", async () => {
    renderApp("/", true);
    await screen.findByTestId("home-greeting");
    const menu = screen.getByRole("button", { name: "Menu" });
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(menu.getAttribute("aria-controls")).toBe(nav.id);
    expect(menu.getAttribute("aria-expanded")).toBe("false");
    expect(nav.dataset.open).toBeUndefined();

    fireEvent.click(menu);
    expect(menu.getAttribute("aria-expanded")).toBe("true");
    expect(nav.dataset.open).toBe("true");
    // Escape closes it and gives the focus back to the button.
    fireEvent.keyDown(screen.getByRole("link", { name: "Rooms" }), { key: "Escape" });
    expect(menu.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(menu);

    fireEvent.click(menu);
    fireEvent.click(screen.getByRole("link", { name: "Account" }));
    await screen.findByRole("heading", { name: "Account" });
    expect(menu.getAttribute("aria-expanded")).toBe("false");
    expect(screen.getByRole("link", { name: "Account" }).getAttribute("aria-current")).toBe("page");
  });
});
