// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import {
  FakeAuthBackend,
  type FakeRequest,
  json,
  PASSWORD,
  renderApp,
  serverBusy,
  tooManyAttempts,
} from "../../test/fakeAuthBackend";
import "../../test/react";
import { cleanCode, CODE_LABEL, isCompleteCode } from "./CodeForm";
import { feature, SIGN_IN_EXPIRED } from "./index";
import { groupSecret, NEW_CODES, SHOWN_ONCE, svgDataUri, TURNED_ON } from "./TwoFactorSettings";

afterEach(() => {
  cleanup();
  Reflect.deleteProperty(navigator, "clipboard");
});

const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP";
const QR_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>';

function codeOf(request: FakeRequest): unknown {
  return (request.body as { code?: unknown }).code;
}

function passwordOf(request: FakeRequest): unknown {
  return (request.body as { current_password?: unknown } | null)?.current_password;
}

/** Ten codes as the server makes them; `set` tells one set from the next. */
function recoveryCodes(set: string): string[] {
  return Array.from({ length: 10 }, (_, index) => `${set}${String(index)}aa-bbbb-cccc-dddd`);
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
        const recovery = body.code?.toLowerCase() === "abcd-efgh-jkmn-pqrs";
        if (body.challenge_token !== "CT" || (body.code !== "123456" && !recovery)) {
          return json(400, { detail: "Wrong code." });
        }
        return backend.issueTokens();
      },
    },
  });
}

async function passwordStep() {
  type("login-email", "me@example.com");
  type("login-password", PASSWORD);
  fireEvent.click(screen.getByTestId("login-submit"));
  return screen.findByTestId("challenge-code");
}

describe("two-factor sign-in step", () => {
  it("asks for the code after the password and completes the sign-in", async () => {
    const backend = codeLoginBackend();
    renderApp("/", backend, { features: [feature] });
    await screen.findByTestId("login-form");
    const input = await passwordStep();
    // An app's code or a recovery code: not digits only.
    expect(input.closest("label")?.textContent).toBe(CODE_LABEL);
    expect(input.getAttribute("autocomplete")).toBe("one-time-code");
    expect(input.getAttribute("inputmode")).toBe("text");
    expect(input.getAttribute("pattern")).toBeNull();
    expect(input.getAttribute("maxlength")).toBe("32");

    type("challenge-code", "000000");
    fireEvent.click(screen.getByTestId("challenge-submit"));
    expect((await screen.findByTestId("challenge-error")).textContent).toBe("Wrong code.");
    expect(screen.getByTestId<HTMLInputElement>("challenge-code").value).toBe("");

    type("challenge-code", "123 45");
    expect(screen.getByTestId<HTMLButtonElement>("challenge-submit").disabled).toBe(true);
    type("challenge-code", " 123 456 ");
    expect(screen.getByTestId<HTMLButtonElement>("challenge-submit").disabled).toBe(false);
    fireEvent.click(screen.getByTestId("challenge-submit"));
    expect((await screen.findByTestId("home-greeting")).textContent).toContain("Me Myself");
    expect(backend.calls("POST /login/two-factor")[1]?.body).toEqual({
      challenge_token: "CT",
      code: "123456",
    });
  });

  it("takes a recovery code instead, however it is typed", async () => {
    const backend = codeLoginBackend();
    renderApp("/login", backend, { features: [feature] });
    await passwordStep();
    type("challenge-code", "ABCD efgh JKMN pqrs");
    fireEvent.click(screen.getByTestId("challenge-submit"));
    await screen.findByTestId("home-greeting");
    expect(backend.calls("POST /login/two-factor")[0]?.body).toEqual({
      challenge_token: "CT",
      code: "ABCD-efgh-JKMN-pqrs",
    });
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

  it("says how long to wait after too many attempts", async () => {
    const backend = codeLoginBackend(() => tooManyAttempts(90));
    renderApp("/login", backend, { features: [feature] });
    await passwordStep();
    type("challenge-code", "123456");
    fireEvent.click(screen.getByTestId("challenge-submit"));
    expect((await screen.findByTestId("challenge-error")).textContent).toBe(
      "Too many attempts. Try again in 2 minutes.",
    );
    // Still on the code step: the sign-in has not expired.
    expect(screen.getByTestId("challenge-code")).toBeTruthy();
  });

  it("can start again", async () => {
    renderApp("/login", codeLoginBackend(), { features: [feature] });
    await passwordStep();
    fireEvent.click(screen.getByTestId("challenge-cancel"));
    await screen.findByTestId("login-form");
  });
});

/** A logged-in user and the server's two-factor settings endpoints. */
function settingsBackend(
  initiallyEnabled: boolean,
  overrides: Record<string, () => Response> = {},
) {
  let enabled = initiallyEnabled;
  let pending = false;
  let sets = 0;
  let codes: string[] = initiallyEnabled ? recoveryCodes("x") : [];
  const newCodes = () => {
    sets += 1;
    codes = recoveryCodes(String(sets));
    return codes;
  };
  const backend = new FakeAuthBackend({
    loggedIn: true,
    handlers: {
      "GET /users/me/totp": (request, fake) =>
        fake.authorized(request)
          ? json(200, { enabled, recovery_codes_left: codes.length })
          : json(401, {}),
      "POST /users/me/totp": (request, fake) => {
        if (!fake.authorized(request)) return json(401, {});
        if (passwordOf(request) !== PASSWORD) return json(400, { detail: "Incorrect password." });
        if (enabled) return json(409, { detail: "Two-factor authentication is already on." });
        pending = true;
        return json(200, {
          secret: SECRET,
          otpauth_uri: `otpauth://totp/App:me?secret=${SECRET}`,
          qr_svg: QR_SVG,
        });
      },
      "POST /users/me/totp/confirm": (request, fake) => {
        if (!fake.authorized(request)) return json(401, {});
        if (!pending) return json(409, { detail: "Nothing to confirm." });
        if (codeOf(request) !== "654321") return json(400, { detail: "Wrong code." });
        enabled = true;
        pending = false;
        return json(200, { message: "Two-factor sign-in is on.", recovery_codes: newCodes() });
      },
      "POST /users/me/totp/recovery-codes": (request, fake) => {
        if (!fake.authorized(request)) return json(401, {});
        if (passwordOf(request) !== PASSWORD) return json(400, { detail: "Incorrect password." });
        return json(200, { message: "Here are new recovery codes.", recovery_codes: newCodes() });
      },
      "POST /users/me/totp/disable": (request, fake) => {
        if (!fake.authorized(request)) return json(401, {});
        if (passwordOf(request) !== PASSWORD) return json(400, { detail: "Incorrect password." });
        const code = codeOf(request);
        if (code !== "111111" && !(typeof code === "string" && codes.includes(code))) {
          return json(400, { detail: "Wrong code." });
        }
        enabled = false;
        codes = [];
        return json(200, { message: "Two-factor authentication is off." });
      },
      ...overrides,
    },
  });
  return backend;
}

function shownCodes(): string[] {
  return screen.queryAllByTestId("totp-recovery-code").map((item) => item.textContent);
}

async function startSetUp(password: string) {
  await screen.findByTestId("totp-enable-password");
  type("totp-enable-password", password);
  fireEvent.click(screen.getByTestId("totp-enable-button"));
  await Promise.resolve();
}

describe("two-factor settings", () => {
  it("sets up with the password, turns on with a code, then shows the recovery codes once", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const backend = settingsBackend(false);
    renderApp("/account", backend, { features: [feature] });
    await waitFor(() => {
      expect(screen.getByTestId("totp-status").dataset.enabled).toBe("false");
    });
    expect(screen.queryByTestId("totp-recovery-left")).toBeNull();
    await startSetUp("wrong");
    expect((await screen.findByTestId("totp-enable-error")).textContent).toBe(
      "Incorrect password.",
    );
    expect(screen.queryByTestId("totp-qr")).toBeNull();

    await startSetUp(PASSWORD);
    const qr = await screen.findByTestId<HTMLImageElement>("totp-qr");
    expect(backend.calls("POST /users/me/totp")[1]?.body).toEqual({ current_password: PASSWORD });
    expect(qr.getAttribute("alt")).toBe("QR code for your authenticator app");
    expect(qr.getAttribute("src")).toBe(svgDataUri(QR_SVG));
    expect(qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml;utf8,%3Csvg/);
    expect(document.querySelector("svg")).toBeNull();
    const secret = screen.getByTestId("totp-secret");
    expect(secret.textContent).toBe("JBSW Y3DP EHPK 3PXP JBSW Y3DP");
    expect(secret.dataset.secret).toBe(SECRET);
    // The first code comes from the app: digits only.
    expect(screen.getByTestId("totp-confirm-code").getAttribute("inputmode")).toBe("numeric");

    type("totp-confirm-code", "000000");
    fireEvent.click(screen.getByTestId("totp-confirm-submit"));
    expect((await screen.findByTestId("totp-confirm-error")).textContent).toBe("Wrong code.");

    type("totp-confirm-code", "654321");
    fireEvent.click(screen.getByTestId("totp-confirm-submit"));
    expect((await screen.findByTestId("totp-message")).textContent).toBe(TURNED_ON);
    const status = screen.getByTestId("totp-status");
    expect(status.dataset.enabled).toBe("true");
    expect(status.textContent).toBe("On");
    expect(screen.queryByTestId("totp-qr")).toBeNull();
    expect(backend.calls("POST /users/me/totp/confirm")[1]?.body).toEqual({ code: "654321" });

    // The ten codes, once, with how they work.
    expect(shownCodes()).toEqual(recoveryCodes("1"));
    expect(screen.getByTestId("totp-recovery-shown-once").textContent).toBe(SHOWN_ONCE);
    fireEvent.click(screen.getByTestId("totp-recovery-copy"));
    await screen.findByTestId("totp-recovery-copied");
    expect(writeText).toHaveBeenCalledWith(recoveryCodes("1").join("\n"));

    fireEvent.click(screen.getByTestId("totp-recovery-done"));
    expect(shownCodes()).toEqual([]);
    const left = screen.getByTestId("totp-recovery-left");
    expect(left.dataset.count).toBe("10");
    expect(left.textContent).toBe("10 recovery codes left.");
    expect(screen.getByTestId("totp-disable-code")).toBeTruthy();

    // Not shown again on the next visit.
    cleanup();
    renderApp("/account", backend, { features: [feature] });
    await waitFor(() => {
      expect(screen.getByTestId("totp-recovery-left").dataset.count).toBe("10");
    });
    expect(shownCodes()).toEqual([]);
  });

  it("says where the browser would not copy the codes", async () => {
    Object.defineProperty(navigator, "clipboard", { value: undefined, configurable: true });
    renderApp("/account", settingsBackend(false), { features: [feature] });
    await startSetUp(PASSWORD);
    await screen.findByTestId("totp-confirm-code");
    type("totp-confirm-code", "654321");
    fireEvent.click(screen.getByTestId("totp-confirm-submit"));
    fireEvent.click(await screen.findByTestId("totp-recovery-copy"));
    expect((await screen.findByTestId("totp-recovery-copy-error")).textContent).toContain(
      "select the codes",
    );
    expect(shownCodes()).toHaveLength(10);
  });

  it("shows how many recovery codes are left, and makes new ones with the password", async () => {
    const backend = settingsBackend(true, {
      "GET /users/me/totp": () => json(200, { enabled: true, recovery_codes_left: 2 }),
    });
    renderApp("/account", backend, { features: [feature] });
    const left = await screen.findByTestId("totp-recovery-left");
    expect(left.dataset.count).toBe("2");
    expect(left.textContent).toBe("2 recovery codes left. Make new ones before they run out.");
    expect(shownCodes()).toEqual([]);

    type("totp-recovery-password", "wrong");
    fireEvent.click(screen.getByTestId("totp-recovery-submit"));
    expect((await screen.findByTestId("totp-recovery-error")).textContent).toBe(
      "Incorrect password.",
    );

    type("totp-recovery-password", PASSWORD);
    fireEvent.click(screen.getByTestId("totp-recovery-submit"));
    await waitFor(() => {
      expect(shownCodes()).toEqual(recoveryCodes("1"));
    });
    expect(backend.calls("POST /users/me/totp/recovery-codes")[1]?.body).toEqual({
      current_password: PASSWORD,
    });
    expect(screen.getByTestId("totp-message").textContent).toBe(NEW_CODES);
    fireEvent.click(screen.getByTestId("totp-recovery-done"));
    expect(screen.getByTestId("totp-recovery-left").dataset.count).toBe("10");
    expect(screen.getByTestId<HTMLInputElement>("totp-recovery-password").value).toBe("");
  });

  it("turns off with the password and a code from the app or a recovery code", async () => {
    const backend = settingsBackend(true);
    renderApp("/account", backend, { features: [feature] });
    await waitFor(() => {
      expect(screen.getByTestId("totp-status").dataset.enabled).toBe("true");
    });
    expect(screen.queryByTestId("totp-enable-button")).toBeNull();
    const input = screen.getByTestId("totp-disable-code");
    expect(input.closest("label")?.textContent).toBe(CODE_LABEL);

    type("totp-disable-password", PASSWORD);
    type("totp-disable-code", "999999");
    fireEvent.click(screen.getByTestId("totp-disable-submit"));
    expect((await screen.findByTestId("totp-disable-error")).textContent).toBe("Wrong code.");

    type("totp-disable-password", "wrong");
    type("totp-disable-code", "x0aa-bbbb-cccc-dddd");
    fireEvent.click(screen.getByTestId("totp-disable-submit"));
    await waitFor(() => {
      expect(screen.getByTestId("totp-disable-error").textContent).toBe("Incorrect password.");
    });

    type("totp-disable-password", PASSWORD);
    type("totp-disable-code", "x0aa-bbbb-cccc-dddd");
    fireEvent.click(screen.getByTestId("totp-disable-submit"));
    expect((await screen.findByTestId("totp-message")).textContent).toBe(
      "Two-factor authentication is off.",
    );
    expect(backend.calls("POST /users/me/totp/disable")[2]?.body).toEqual({
      current_password: PASSWORD,
      code: "x0aa-bbbb-cccc-dddd",
    });
    expect(screen.getByTestId("totp-status").dataset.enabled).toBe("false");
    expect(screen.queryByTestId("totp-recovery-left")).toBeNull();
    await screen.findByTestId("totp-enable-button");
  });

  it("says how long to wait after too many attempts, and when the server is busy", async () => {
    let answer = tooManyAttempts(30);
    const backend = settingsBackend(true, { "POST /users/me/totp/disable": () => answer });
    renderApp("/account", backend, { features: [feature] });
    await screen.findByTestId("totp-disable-password");
    type("totp-disable-password", PASSWORD);
    type("totp-disable-code", "111111");
    fireEvent.click(screen.getByTestId("totp-disable-submit"));
    expect((await screen.findByTestId("totp-disable-error")).textContent).toBe(
      "Too many attempts. Try again in 30 seconds.",
    );

    answer = serverBusy();
    type("totp-disable-code", "111111");
    fireEvent.click(screen.getByTestId("totp-disable-submit"));
    await waitFor(() => {
      expect(screen.getByTestId("totp-disable-error").textContent).toBe(
        "The server is busy. Try again in a moment.",
      );
    });
  });

  it("can cancel a set-up", async () => {
    renderApp("/account", settingsBackend(false), { features: [feature] });
    await startSetUp(PASSWORD);
    await screen.findByTestId("totp-qr");
    fireEvent.click(screen.getByTestId("totp-cancel"));
    await screen.findByTestId("totp-enable-button");
  });

  it("groups the key in fours", () => {
    expect(groupSecret("ABCDEFGHIJ")).toBe("ABCD EFGH IJ");
    expect(groupSecret("AB CD")).toBe("ABCD");
  });

  it("cleans a typed code: an app's digits, or a recovery code in its groups", () => {
    expect(cleanCode(" 123 456 ")).toBe("123456");
    expect(cleanCode("abcd efgh jkmn pqrs")).toBe("abcd-efgh-jkmn-pqrs");
    expect(cleanCode("ABCDEFGHJKMNPQRS")).toBe("ABCD-EFGH-JKMN-PQRS");
    expect(cleanCode("abcd-efgh")).toBe("abcd-efgh");
    expect(cleanCode("1234 5678 9012 3456")).toBe("1234-5678-9012-3456");
    expect(isCompleteCode("123456", false)).toBe(true);
    expect(isCompleteCode("abcd-efgh-jkmn-pqrs", false)).toBe(false);
    expect(isCompleteCode("abcd-efgh-jkmn-pqrs", true)).toBe(true);
    expect(isCompleteCode("abcd-efgh", true)).toBe(false);
  });
});
