// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import { registeredFeatures } from "./features/registry";
import { FakeAuthBackend, renderApp as renderWith } from "./test/fakeAuthBackend";
import "./test/react";

afterEach(() => {
  cleanup();
});

/** The app with all of this build's features, against a backend with one user. */
function renderApp(path: string, loggedIn: boolean) {
  renderWith(path, new FakeAuthBackend({ loggedIn }), { features: registeredFeatures });
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
