// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import { FakeAuthBackend, type FakeRequest, json, renderApp } from "../../test/fakeAuthBackend";
import "../../test/react";
import { groupSecret, svgDataUri } from "./api";
import { SIGN_IN_EXPIRED } from "./CodeStep";
import { feature } from "./index";

afterEach(() => {
  cleanup();
});

const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP";
const QR_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>';

function codeOf(request: FakeRequest): unknown {
  return (request.body as { code?: unknown }).code;
}

function type(testId: string, value: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
}

/** A user with two-factor authentication on: the password login asks for a code. */
function codeLoginBackend(answer: (request: FakeRequest) => Response | null = () => null) {
  return new FakeAuthBackend({
    loginChallenge: { challenge: "totp", challenge_token: "CT", expires_in: 300 },
    handlers: {
      "POST /login/two-factor": (request, backend) => {
        const custom = answer(request);
        if (custom) return custom;
        const body = request.body as { challenge_token?: string; code?: string };
        if (body.challenge_token !== "CT" || body.code !== "123456") return json(400, { detail: "Wrong code." });
        return backend.issueTokens();
      },
    },
  });
}

async function passwordStep() {
  type("login-email", "me@example.com");
  type("login-password", "right");
  fireEvent.click(screen.getByTestId("login-submit"));
  return screen.findByTestId("challenge-code");
}

describe("two-factor sign-in step", () => {
  it("asks for the code after the password and completes the sign-in", async () => {
    const backend = codeLoginBackend();
    renderApp("/", backend, { features: [feature] });
    await screen.findByTestId("login-form");
    const input = await passwordStep();
    expect(input.getAttribute("inputmode")).toBe("numeric");
    expect(input.getAttribute("autocomplete")).toBe("one-time-code");
    expect(input.getAttribute("pattern")).toBe("[0-9]{6}");

    type("challenge-code", "000000");
    fireEvent.click(screen.getByTestId("challenge-submit"));
    expect((await screen.findByTestId("challenge-error")).textContent).toBe("Wrong code.");

    type("challenge-code", "123 456");
    expect(screen.getByTestId<HTMLInputElement>("challenge-code").value).toBe("123456");
    fireEvent.click(screen.getByTestId("challenge-submit"));
    expect((await screen.findByTestId("home-greeting")).textContent).toContain("Me Myself");
    expect(backend.calls("POST /login/two-factor")[1]?.body).toEqual({ challenge_token: "CT", code: "123456" });
  });

  it("sends an expired sign-in back to the password step", async () => {
    const backend = codeLoginBackend(() => json(401, { detail: "Challenge expired." }));
    renderApp("/login", backend, { features: [feature] });
    await passwordStep();
    type("challenge-code", "123456");
    fireEvent.click(screen.getByTestId("challenge-submit"));
    expect((await screen.findByTestId("login-error")).textContent).toBe(SIGN_IN_EXPIRED);
    expect(screen.queryByTestId("challenge-code")).toBeNull();
  });

  it("shows the server's word on too many attempts", async () => {
    const backend = codeLoginBackend(() => json(429, { detail: "Too many attempts; wait a minute." }));
    renderApp("/login", backend, { features: [feature] });
    await passwordStep();
    type("challenge-code", "123456");
    fireEvent.click(screen.getByTestId("challenge-submit"));
    expect((await screen.findByTestId("challenge-error")).textContent).toBe("Too many attempts; wait a minute.");
  });

  it("can start again", async () => {
    renderApp("/login", codeLoginBackend(), { features: [feature] });
    await passwordStep();
    fireEvent.click(screen.getByTestId("challenge-cancel"));
    await screen.findByTestId("login-form");
  });
});

/** A logged-in user and the server's two-factor settings endpoints. */
function settingsBackend(initiallyEnabled: boolean) {
  let enabled = initiallyEnabled;
  let pending = false;
  const backend = new FakeAuthBackend({
    loggedIn: true,
    handlers: {
      "GET /users/me/totp": (request, fake) => (fake.authorized(request) ? json(200, { enabled }) : json(401, {})),
      "POST /users/me/totp": (request, fake) => {
        if (!fake.authorized(request)) return json(401, {});
        if (enabled) return json(409, { detail: "Two-factor authentication is already on." });
        pending = true;
        return json(200, { secret: SECRET, otpauth_uri: `otpauth://totp/App:me?secret=${SECRET}`, qr_svg: QR_SVG });
      },
      "POST /users/me/totp/confirm": (request, fake) => {
        if (!fake.authorized(request)) return json(401, {});
        if (!pending) return json(409, { detail: "Nothing to confirm." });
        if (codeOf(request) !== "654321") return json(400, { detail: "Wrong code." });
        enabled = true;
        pending = false;
        return json(200, { message: "Two-factor authentication is on." });
      },
      "POST /users/me/totp/disable": (request, fake) => {
        if (!fake.authorized(request)) return json(401, {});
        if (codeOf(request) !== "111111") return json(400, { detail: "Wrong code." });
        enabled = false;
        return json(200, { message: "Two-factor authentication is off." });
      },
    },
  });
  return backend;
}

describe("two-factor settings", () => {
  it("sets up: shows the QR code and the key, and turns on with a code", async () => {
    const backend = settingsBackend(false);
    renderApp("/account", backend, { features: [feature] });
    await waitFor(() => {
      expect(screen.getByTestId("totp-status").dataset.enabled).toBe("false");
    });
    fireEvent.click(screen.getByTestId("totp-enable-button"));

    const qr = await screen.findByTestId<HTMLImageElement>("totp-qr");
    expect(qr.getAttribute("alt")).toBe("QR code for your authenticator app");
    expect(qr.getAttribute("src")).toBe(svgDataUri(QR_SVG));
    expect(qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml;utf8,%3Csvg/);
    expect(document.querySelector("svg")).toBeNull();
    const secret = screen.getByTestId("totp-secret");
    expect(secret.textContent).toBe("JBSW Y3DP EHPK 3PXP JBSW Y3DP");
    expect(secret.dataset.secret).toBe(SECRET);

    type("totp-confirm-code", "000000");
    fireEvent.click(screen.getByTestId("totp-confirm-submit"));
    expect((await screen.findByTestId("totp-confirm-error")).textContent).toBe("Wrong code.");

    type("totp-confirm-code", "654321");
    fireEvent.click(screen.getByTestId("totp-confirm-submit"));
    expect((await screen.findByTestId("totp-message")).textContent).toBe("Two-factor authentication is on.");
    const status = screen.getByTestId("totp-status");
    expect(status.dataset.enabled).toBe("true");
    expect(status.textContent).toBe("On");
    expect(screen.queryByTestId("totp-qr")).toBeNull();
    expect(screen.getByTestId("totp-disable-code")).toBeTruthy();
    expect(backend.calls("POST /users/me/totp/confirm")[1]?.body).toEqual({ code: "654321" });
  });

  it("turns off with a code", async () => {
    const backend = settingsBackend(true);
    renderApp("/account", backend, { features: [feature] });
    await waitFor(() => {
      expect(screen.getByTestId("totp-status").dataset.enabled).toBe("true");
    });
    expect(screen.queryByTestId("totp-enable-button")).toBeNull();
    type("totp-disable-code", "999999");
    fireEvent.click(screen.getByTestId("totp-disable-submit"));
    expect((await screen.findByTestId("totp-disable-error")).textContent).toBe("Wrong code.");

    type("totp-disable-code", "111111");
    fireEvent.click(screen.getByTestId("totp-disable-submit"));
    expect((await screen.findByTestId("totp-message")).textContent).toBe("Two-factor authentication is off.");
    expect(screen.getByTestId("totp-status").dataset.enabled).toBe("false");
    await screen.findByTestId("totp-enable-button");
  });

  it("can cancel a set-up", async () => {
    renderApp("/account", settingsBackend(false), { features: [feature] });
    fireEvent.click(await screen.findByTestId("totp-enable-button"));
    await screen.findByTestId("totp-qr");
    fireEvent.click(screen.getByTestId("totp-cancel"));
    await screen.findByTestId("totp-enable-button");
  });

  it("groups the key in fours", () => {
    expect(groupSecret("ABCDEFGHIJ")).toBe("ABCD EFGH IJ");
    expect(groupSecret("AB CD")).toBe("ABCD");
  });
});
