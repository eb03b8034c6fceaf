// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import { errorMessage } from "../api/auth";
import type { AccessToken } from "../api/client";
import { LOGGED_OUT_EVERYWHERE, useAuth } from "../components/auth";
import { UNSUPPORTED_CHALLENGE } from "../components/LoginChallengeStep";
import type { AuthFeature, ChallengeStepProps } from "../features/types";
import {
  EMAIL_CHANGE_TOKEN,
  FakeAuthBackend,
  json,
  PASSWORD,
  renderApp,
  serverBusy,
  tooManyAttempts,
} from "../test/fakeAuthBackend";
import "../test/react";
import { PASSWORD_CHANGED } from "./AccountPage";
import { SIGN_IN_AGAIN } from "./ConfirmEmailPage";

afterEach(() => {
  cleanup();
});

function type(testId: string, value: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
}

async function logInWithPassword() {
  type("login-email", "me@example.com");
  type("login-password", "right");
  fireEvent.click(screen.getByTestId("login-submit"));
  await Promise.resolve();
}

/** A sign-in step of a made-up kind, as an optional feature would add it. */
function TestStep({ challenge, onSignedIn, onRestart }: ChallengeStepProps) {
  const { client } = useAuth();
  const onFinish = () => {
    client.http
      .post<{ 200: AccessToken }, unknown, true, "data">({
        url: "/api/v1/login/test-step",
        body: { challenge_token: challenge.token },
        headers: { "Content-Type": "application/json" },
        responseStyle: "data",
      })
      .then(
        (answer) => {
          client.signIn(answer);
          onSignedIn();
        },
        (err: unknown) => {
          onRestart(errorMessage(err, "failed"));
        },
      );
  };
  const onExpire = () => {
    onRestart("Too late.");
  };
  return (
    <div>
      <span data-testid="test-step-token">{challenge.token}</span>
      <button type="button" onClick={onFinish} data-testid="test-step-finish">
        Finish
      </button>
      <button type="button" onClick={onExpire} data-testid="test-step-expire">
        Expire
      </button>
    </div>
  );
}

const testFeature: AuthFeature = {
  id: "test-feature",
  challengeType: "test-code",
  ChallengeStep: TestStep,
  LoginExtra: () => <p data-testid="test-login-extra">extra</p>,
  AccountSection: () => <p data-testid="test-account-section">section</p>,
  routes: [
    { path: "/test-open", element: <p data-testid="test-open-page">open</p> },
    {
      path: "/test-closed",
      element: <p data-testid="test-closed-page">closed</p>,
      requireAuth: true,
    },
  ],
};

const challenge = { challenge: "test-code", challenge_token: "C1", expires_in: 300 };

describe("login with a further step", () => {
  it("renders the feature's step in place of the password form, and signs in when it completes", async () => {
    const backend = new FakeAuthBackend({
      loginChallenge: challenge,
      handlers: {
        "POST /login/test-step": (request, fake) =>
          (request.body as { challenge_token?: string }).challenge_token === "C1"
            ? fake.issueTokens()
            : json(400, {}),
      },
    });
    renderApp("/", backend, { features: [testFeature] });
    await screen.findByTestId("login-form");
    await logInWithPassword();
    expect((await screen.findByTestId("test-step-token")).textContent).toBe("C1");
    expect(screen.queryByTestId("login-form")).toBeNull();
    expect(backend.client.tokens.accessToken).toBeNull();

    fireEvent.click(screen.getByTestId("test-step-finish"));
    expect((await screen.findByTestId("home-greeting")).textContent).toContain("Me Myself");
    expect(screen.getByTestId("test-location").textContent).toBe("/");
  });

  it("goes back to the password form with the step's message when it restarts", async () => {
    const backend = new FakeAuthBackend({ loginChallenge: challenge });
    renderApp("/login", backend, { features: [testFeature] });
    await screen.findByTestId("login-form");
    await logInWithPassword();
    fireEvent.click(await screen.findByTestId("test-step-expire"));
    expect((await screen.findByTestId("login-error")).textContent).toBe("Too late.");
    expect(screen.getByTestId<HTMLInputElement>("login-password").value).toBe("");
  });

  it("says so when no feature handles the step", async () => {
    const backend = new FakeAuthBackend({ loginChallenge: challenge });
    renderApp("/login", backend);
    await screen.findByTestId("login-form");
    await logInWithPassword();
    expect((await screen.findByTestId("challenge-unsupported")).textContent).toBe(
      UNSUPPORTED_CHALLENGE,
    );
    fireEvent.click(screen.getByTestId("challenge-back"));
    await screen.findByTestId("login-form");
  });
});

describe("features", () => {
  it("add to the login page, the account page and the routes", async () => {
    const backend = new FakeAuthBackend();
    renderApp("/test-open", backend, { features: [testFeature] });
    await screen.findByTestId("test-open-page");
    cleanup();

    renderApp("/test-closed", backend, { features: [testFeature] });
    await screen.findByTestId("login-form");
    expect(screen.getByTestId("test-login-extra")).toBeTruthy();
    expect(screen.getByTestId("forgot-password-link").getAttribute("href")).toBe(
      "/forgot-password",
    );
    await logInWithPassword();
    await screen.findByTestId("test-closed-page");

    fireEvent.click(screen.getByTestId("nav-account"));
    await screen.findByTestId("test-account-section");
  });
});

describe("login", () => {
  it("says how long to wait after too many attempts, and when the server is busy", async () => {
    let answer = tooManyAttempts(300);
    const backend = new FakeAuthBackend({ handlers: { "POST /login/oauth": () => answer } });
    renderApp("/login", backend);
    await screen.findByTestId("login-form");
    await logInWithPassword();
    expect((await screen.findByTestId("login-error")).textContent).toBe(
      "Too many attempts. Try again in 5 minutes.",
    );

    answer = serverBusy();
    await logInWithPassword();
    await waitFor(() => {
      expect(screen.getByTestId("login-error").textContent).toBe(
        "The server is busy. Try again in a moment.",
      );
    });
    expect(backend.client.tokens.accessToken).toBeNull();
  });
});

describe("forgot password", () => {
  it("asks for a reset mail and shows the server's answer", async () => {
    const backend = new FakeAuthBackend({
      handlers: {
        "POST /login/password-recovery": () =>
          json(202, { message: "If that account exists, we sent it a link." }),
      },
    });
    renderApp("/forgot-password", backend);
    type("forgot-email", " someone@example.com ");
    fireEvent.click(screen.getByTestId("forgot-submit"));
    expect((await screen.findByTestId("forgot-result")).textContent).toBe(
      "If that account exists, we sent it a link.",
    );
    expect(screen.queryByTestId("forgot-form")).toBeNull();
    expect(backend.calls("POST /login/password-recovery")[0]?.body).toEqual({
      email: "someone@example.com",
    });
  });

  it("shows an error", async () => {
    const backend = new FakeAuthBackend({
      handlers: {
        "POST /login/password-recovery": () => json(400, { detail: "That is not an address." }),
      },
    });
    renderApp("/forgot-password", backend);
    type("forgot-email", "someone@example.com");
    fireEvent.click(screen.getByTestId("forgot-submit"));
    expect((await screen.findByTestId("forgot-error")).textContent).toBe("That is not an address.");
  });

  it("says how long to wait after too many requests", async () => {
    const backend = new FakeAuthBackend({
      handlers: { "POST /login/password-recovery": () => tooManyAttempts(45) },
    });
    renderApp("/forgot-password", backend);
    type("forgot-email", "someone@example.com");
    fireEvent.click(screen.getByTestId("forgot-submit"));
    expect((await screen.findByTestId("forgot-error")).textContent).toBe(
      "Too many attempts. Try again in 45 seconds.",
    );
    expect(screen.queryByTestId("forgot-result")).toBeNull();
  });
});

describe("reset password", () => {
  function resetBackend(loggedIn = false) {
    return new FakeAuthBackend({
      loggedIn,
      handlers: {
        "POST /login/password-reset": (request, fake) => {
          if ((request.body as { token?: string }).token !== "R1") {
            return json(400, { detail: "This link is invalid or has expired." });
          }
          fake.revokeAll();
          return json(200, { message: "Password updated." });
        },
      },
    });
  }

  it("takes the token from the fragment, removes it from the address, and sets the password", async () => {
    const backend = resetBackend();
    renderApp("/reset-password#token=R1", backend);
    await waitFor(() => {
      expect(screen.getByTestId("test-location").textContent).toBe("/reset-password");
    });

    type("reset-password", "short");
    type("reset-password-confirm", "short");
    fireEvent.submit(screen.getByTestId("reset-form"));
    expect((await screen.findByTestId("reset-error")).textContent).toBe(
      "Use at least 12 characters.",
    );

    type("reset-password", "eleven char");
    type("reset-password-confirm", "eleven char");
    fireEvent.submit(screen.getByTestId("reset-form"));
    await waitFor(() => {
      expect(screen.getByTestId("reset-error").textContent).toBe("Use at least 12 characters.");
    });

    type("reset-password", "twelve chars");
    type("reset-password-confirm", "twelve charz");
    fireEvent.submit(screen.getByTestId("reset-form"));
    await waitFor(() => {
      expect(screen.getByTestId("reset-error").textContent).toBe("The two passwords do not match.");
    });
    expect(backend.calls("POST /login/password-reset")).toHaveLength(0);

    type("reset-password-confirm", "twelve chars");
    fireEvent.click(screen.getByTestId("reset-submit"));
    expect((await screen.findByTestId("reset-result")).textContent).toBe("Password updated.");
    expect(screen.getByTestId("reset-login-link").getAttribute("href")).toBe("/login");
    expect(backend.calls("POST /login/password-reset")[0]?.body).toEqual({
      token: "R1",
      new_password: "twelve chars",
    });
  });

  it("logs this tab out too: the reset ended every session", async () => {
    const backend = resetBackend(true);
    renderApp("/reset-password#token=R1", backend);
    await screen.findByTestId("current-user");
    type("reset-password", "a long enough one");
    type("reset-password-confirm", "a long enough one");
    fireEvent.click(screen.getByTestId("reset-submit"));
    await screen.findByTestId("reset-result");
    expect(backend.client.tokens.accessToken).toBeNull();
    await waitFor(() => {
      expect(screen.queryByTestId("current-user")).toBeNull();
    });
  });

  it("shows the server's refusal of a bad token", async () => {
    renderApp("/reset-password#token=used", resetBackend());
    type("reset-password", "a long enough one");
    type("reset-password-confirm", "a long enough one");
    fireEvent.click(screen.getByTestId("reset-submit"));
    expect((await screen.findByTestId("reset-error")).textContent).toBe(
      "This link is invalid or has expired.",
    );
    expect(screen.getByTestId("reset-new-link").getAttribute("href")).toBe("/forgot-password");
  });

  it("shows the server's word on a too common password", async () => {
    const backend = new FakeAuthBackend({
      handlers: {
        "POST /login/password-reset": () =>
          json(422, {
            detail: [
              {
                loc: ["body", "new_password"],
                msg: "Value error, this password is too common; choose another",
              },
            ],
          }),
      },
    });
    renderApp("/reset-password#token=R1", backend);
    type("reset-password", "password1234");
    type("reset-password-confirm", "password1234");
    fireEvent.click(screen.getByTestId("reset-submit"));
    expect((await screen.findByTestId("reset-error")).textContent).toBe(
      "This password is too common; choose another.",
    );
  });

  it("explains a link without a token", async () => {
    renderApp("/reset-password", resetBackend());
    expect((await screen.findByTestId("reset-error")).textContent).toContain("no reset token");
    expect(screen.queryByTestId("reset-form")).toBeNull();
  });
});

describe("verify email", () => {
  function verifyBackend(loggedIn = false) {
    return new FakeAuthBackend({
      loggedIn,
      handlers: {
        "POST /login/email-verification": (request, fake) => {
          if ((request.body as { token?: string }).token !== "V1") {
            return json(400, { detail: "This link is invalid or has expired." });
          }
          fake.user = { ...fake.user, email_verified: true };
          return json(200, { message: "Email verified." });
        },
      },
    });
  }

  it("verifies once, even when StrictMode runs the effect twice, and removes the token from the address", async () => {
    const backend = verifyBackend();
    renderApp("/verify-email#token=V1", backend, { strict: true });
    expect((await screen.findByTestId("verify-email-result")).textContent).toBe("Email verified.");
    expect(backend.calls("POST /login/email-verification")).toHaveLength(1);
    expect(screen.getByTestId("test-location").textContent).toBe("/verify-email");
    expect(screen.getByTestId("verify-email-next").getAttribute("href")).toBe("/login");
  });

  it("shows a refused token", async () => {
    renderApp("/verify-email#token=old", verifyBackend());
    expect((await screen.findByTestId("verify-email-error")).textContent).toBe(
      "This link is invalid or has expired.",
    );
  });

  it("works logged in, and the account page then shows the address verified", async () => {
    const backend = verifyBackend(true);
    renderApp("/verify-email#token=V1", backend);
    await screen.findByTestId("verify-email-result");
    await waitFor(() => {
      expect(screen.getByTestId("verify-email-next").getAttribute("href")).toBe("/account");
    });
    fireEvent.click(screen.getByTestId("verify-email-next"));
    await waitFor(() => {
      expect(screen.getByTestId("email-verified-badge").dataset.verified).toBe("true");
    });
    expect(screen.queryByTestId("send-verification-button")).toBeNull();
  });
});

describe("email change", () => {
  async function askForChange(address: string, password: string) {
    type("change-email-email", address);
    type("change-email-password", password);
    fireEvent.click(screen.getByTestId("change-email-submit"));
    await Promise.resolve();
  }

  it("needs the password, and shows the change pending until the link is opened", async () => {
    const backend = new FakeAuthBackend({ loggedIn: true });
    renderApp("/account", backend);
    await screen.findByTestId("change-email-form");
    await askForChange("new@example.com", "wrong");
    expect((await screen.findByTestId("change-email-error")).textContent).toBe(
      "Incorrect password.",
    );

    await askForChange(" new@example.com ", PASSWORD);
    expect((await screen.findByTestId("email-change-pending")).textContent).toBe(
      "To finish, open the link we sent to new@example.com. Until then your address stays me@example.com.",
    );
    expect(backend.calls("POST /users/me/email")[1]?.body).toEqual({
      new_email: "new@example.com",
      current_password: PASSWORD,
    });
    expect(backend.calls("POST /users/me/email")[1]?.authorization).toMatch(/^Bearer access-/);
    // Nothing changed yet.
    expect(screen.getByTestId("account-email").textContent).toBe("me@example.com");
    expect(screen.getByTestId("current-user").textContent).toBe("me@example.com");

    // The form again, its password field empty.
    fireEvent.click(screen.getByTestId("change-email-again"));
    expect(screen.getByTestId<HTMLInputElement>("change-email-password").value).toBe("");
  });

  it("says how long to wait after too many attempts", async () => {
    const backend = new FakeAuthBackend({
      loggedIn: true,
      handlers: { "POST /users/me/email": () => tooManyAttempts(3600) },
    });
    renderApp("/account", backend);
    await screen.findByTestId("change-email-form");
    await askForChange("new@example.com", PASSWORD);
    expect((await screen.findByTestId("change-email-error")).textContent).toBe(
      "Too many attempts. Try again in 1 hour.",
    );
  });
});

describe("confirm email change", () => {
  function pendingChange(loggedIn: boolean) {
    const backend = new FakeAuthBackend({ loggedIn });
    backend.pendingEmail = "new@example.com";
    return backend;
  }

  it("takes the token from the fragment once, even under StrictMode, and says to log in again", async () => {
    const backend = pendingChange(false);
    renderApp(`/confirm-email#token=${EMAIL_CHANGE_TOKEN}`, backend, { strict: true });
    expect((await screen.findByTestId("confirm-email-result")).textContent).toBe(
      "Your email is now new@example.com.",
    );
    expect(screen.getByTestId("confirm-email-sign-in-again").textContent).toBe(SIGN_IN_AGAIN);
    expect(backend.calls("POST /login/email-change")).toHaveLength(1);
    expect(backend.calls("POST /login/email-change")[0]?.body).toEqual({
      token: EMAIL_CHANGE_TOKEN,
    });
    expect(screen.getByTestId("test-location").textContent).toBe("/confirm-email");

    fireEvent.click(screen.getByTestId("confirm-email-login-link"));
    type("login-email", "new@example.com");
    type("login-password", PASSWORD);
    fireEvent.click(screen.getByTestId("login-submit"));
    expect((await screen.findByTestId("current-user")).textContent).toBe("new@example.com");
  });

  it("logs this tab out: the change ended every session", async () => {
    const backend = pendingChange(true);
    renderApp(`/confirm-email#token=${EMAIL_CHANGE_TOKEN}`, backend);
    await screen.findByTestId("confirm-email-result");
    expect(backend.client.tokens.accessToken).toBeNull();
    await waitFor(() => {
      expect(screen.queryByTestId("current-user")).toBeNull();
    });
    // Only once the session restore on start was over: it cannot bring the session back.
    expect(backend.calls("POST /login/resume")).toHaveLength(1);
    expect(backend.requests.findIndex((r) => r.path === "/login/email-change")).toBeGreaterThan(
      backend.requests.findIndex((r) => r.path === "/users/me"),
    );
  });

  it("shows a refused link, and an address taken meanwhile", async () => {
    renderApp("/confirm-email#token=used", pendingChange(false));
    expect((await screen.findByTestId("confirm-email-error")).textContent).toBe(
      "This link is invalid, expired or already used; ask for a new one.",
    );
    expect(screen.getByTestId("confirm-email-next").getAttribute("href")).toBe("/login");
    cleanup();

    const taken = new FakeAuthBackend({
      loggedIn: true,
      handlers: {
        "POST /login/email-change": () =>
          json(409, { detail: "That address has an account already; choose another." }),
      },
    });
    renderApp(`/confirm-email#token=${EMAIL_CHANGE_TOKEN}`, taken);
    expect((await screen.findByTestId("confirm-email-error")).textContent).toBe(
      "That address has an account already; choose another.",
    );
    await waitFor(() => {
      expect(screen.getByTestId("confirm-email-next").getAttribute("href")).toBe("/account");
    });
    expect(taken.client.tokens.accessToken).not.toBeNull();
  });

  it("explains a link without a token", async () => {
    const backend = pendingChange(false);
    renderApp("/confirm-email", backend);
    expect((await screen.findByTestId("confirm-email-error")).textContent).toContain(
      "no confirmation token",
    );
    expect(backend.calls("POST /login/email-change")).toHaveLength(0);
  });
});

describe("account page", () => {
  it("needs a login", async () => {
    renderApp("/account", new FakeAuthBackend());
    await screen.findByTestId("login-form");
  });

  it("shows the address unverified and sends a verification mail", async () => {
    const backend = new FakeAuthBackend({
      loggedIn: true,
      handlers: {
        "POST /users/me/email-verification": (request, fake) =>
          fake.authorized(request) ? json(202, { message: "We sent you a link." }) : json(401, {}),
      },
    });
    renderApp("/account", backend);
    expect((await screen.findByTestId("account-email")).textContent).toBe("me@example.com");
    const badge = screen.getByTestId("email-verified-badge");
    expect(badge.dataset.verified).toBe("false");
    expect(badge.textContent).toBe("Not verified");
    fireEvent.click(screen.getByTestId("send-verification-button"));
    expect((await screen.findByTestId("send-verification-result")).textContent).toBe(
      "We sent you a link.",
    );
    expect(backend.calls("POST /users/me/email-verification")).toHaveLength(1);
  });

  it("changes the password and goes on with the new access token the answer brings", async () => {
    const backend = new FakeAuthBackend({ loggedIn: true, user: { email_verified: true } });
    renderApp("/account", backend);
    expect((await screen.findByTestId("email-verified-badge")).textContent).toBe("Verified");
    type("change-password-current", "wrong");
    type("change-password-new", "a new password");
    type("change-password-confirm", "a new password");
    fireEvent.click(screen.getByTestId("change-password-submit"));
    expect((await screen.findByTestId("change-password-error")).textContent).toBe(
      "Incorrect password.",
    );

    const before = backend.client.tokens.accessToken;
    const seen: (string | null)[] = [];
    backend.client.tokens.subscribe(() => {
      seen.push(backend.client.tokens.accessToken);
    });
    type("change-password-current", PASSWORD);
    type("change-password-new", "a new password");
    type("change-password-confirm", "a new password");
    fireEvent.click(screen.getByTestId("change-password-submit"));
    expect((await screen.findByTestId("change-password-result")).textContent).toBe(
      PASSWORD_CHANGED,
    );
    const [, changed] = backend.calls("PATCH /users/me/password");
    expect(changed?.body).toEqual({ current_password: PASSWORD, new_password: "a new password" });
    expect(changed?.authorization).toBe(`Bearer ${String(before)}`);
    // The answer's token is this tab's now (the socket follows the store): no refresh was needed for it.
    const after = backend.client.tokens.accessToken;
    expect(after).not.toBe(before);
    expect(seen).toEqual([after]);
    // Only the session restore on start spent the cookie.
    expect(backend.calls("POST /login/resume")).toHaveLength(1);
    expect(backend.calls("POST /login/refresh")).toHaveLength(0);
    expect(screen.getByTestId<HTMLInputElement>("change-password-current").value).toBe("");
    expect(screen.getByTestId("current-user").textContent).toBe("me@example.com");

    // Still signed in: the next request goes with the new token, and the server takes it.
    type("change-password-current", PASSWORD);
    type("change-password-new", "another new password");
    type("change-password-confirm", "another new password");
    fireEvent.click(screen.getByTestId("change-password-submit"));
    await waitFor(() => {
      expect(backend.calls("PATCH /users/me/password")).toHaveLength(3);
    });
    expect(backend.calls("PATCH /users/me/password")[2]?.authorization).toBe(
      `Bearer ${String(after)}`,
    );
    // Only the session restore on start spent the cookie.
    expect(backend.calls("POST /login/resume")).toHaveLength(1);
    expect(backend.calls("POST /login/refresh")).toHaveLength(0);
  });

  it("checks a new password's length before sending it, and shows the server's word on a common one", async () => {
    const backend = new FakeAuthBackend({
      loggedIn: true,
      handlers: {
        "PATCH /users/me/password": () =>
          json(422, {
            detail: [
              {
                type: "value_error",
                loc: ["body", "new_password"],
                msg: "Value error, this password is too common; choose another",
              },
            ],
          }),
      },
    });
    renderApp("/account", backend);
    await screen.findByTestId("change-password-form");
    type("change-password-current", PASSWORD);
    type("change-password-new", "elevenchars");
    type("change-password-confirm", "elevenchars");
    fireEvent.click(screen.getByTestId("change-password-submit"));
    expect((await screen.findByTestId("change-password-error")).textContent).toBe(
      "Use at least 12 characters.",
    );
    expect(backend.calls("PATCH /users/me/password")).toHaveLength(0);

    type("change-password-new", "password1234");
    type("change-password-confirm", "password1234");
    fireEvent.click(screen.getByTestId("change-password-submit"));
    await waitFor(() => {
      expect(screen.getByTestId("change-password-error").textContent).toBe(
        "This password is too common; choose another.",
      );
    });
  });

  it("says how long to wait after too many attempts, and when the server is busy", async () => {
    let answer = tooManyAttempts(120);
    const backend = new FakeAuthBackend({
      loggedIn: true,
      handlers: { "PATCH /users/me/password": () => answer },
    });
    renderApp("/account", backend);
    await screen.findByTestId("change-password-form");
    type("change-password-current", PASSWORD);
    type("change-password-new", "a new password");
    type("change-password-confirm", "a new password");
    fireEvent.click(screen.getByTestId("change-password-submit"));
    expect((await screen.findByTestId("change-password-error")).textContent).toBe(
      "Too many attempts. Try again in 2 minutes.",
    );

    answer = serverBusy();
    fireEvent.click(screen.getByTestId("change-password-submit"));
    await waitFor(() => {
      expect(screen.getByTestId("change-password-error").textContent).toBe(
        "The server is busy. Try again in a moment.",
      );
    });
  });

  it("logs out everywhere after a confirmation, then shows the login page", async () => {
    const backend = new FakeAuthBackend({ loggedIn: true });
    renderApp("/account", backend);
    fireEvent.click(await screen.findByTestId("logout-everywhere-button"));
    fireEvent.click(screen.getByTestId("logout-everywhere-cancel"));
    expect(backend.calls("POST /login/logout-everywhere")).toHaveLength(0);

    fireEvent.click(screen.getByTestId("logout-everywhere-button"));
    fireEvent.click(screen.getByTestId("logout-everywhere-confirm"));
    expect((await screen.findByTestId("login-notice")).textContent).toBe(LOGGED_OUT_EVERYWHERE);
    expect(screen.getByTestId("test-location").textContent).toBe("/login");
    expect(backend.calls("POST /login/logout-everywhere")).toHaveLength(1);
    expect(backend.calls("POST /login/logout-everywhere")[0]?.authorization).toMatch(
      /^Bearer access-/,
    );
    expect(backend.cookie).toBe(false);
    expect(backend.client.tokens.accessToken).toBeNull();
    expect(screen.queryByTestId("current-user")).toBeNull();
  });

  it("stays logged in when logging out everywhere fails", async () => {
    const backend = new FakeAuthBackend({
      loggedIn: true,
      handlers: {
        "POST /login/logout-everywhere": () => json(503, { detail: "Try again later." }),
      },
    });
    renderApp("/account", backend);
    fireEvent.click(await screen.findByTestId("logout-everywhere-button"));
    fireEvent.click(screen.getByTestId("logout-everywhere-confirm"));
    expect((await screen.findByTestId("logout-everywhere-error")).textContent).toBe(
      "Try again later.",
    );
    expect(screen.getByTestId("current-user").textContent).toBe("me@example.com");
  });
});
