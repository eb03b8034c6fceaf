// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import { errorMessage } from "../../api/auth";
import type { AccessToken } from "../../api/client";
import { useAuth } from "../../components/auth";
import {
  FakeAuthBackend,
  type FakeHandler,
  json,
  renderApp,
  tooManyAttempts,
} from "../../test/fakeAuthBackend";
import "../../test/react";
import type { AuthFeature, ChallengeStepProps } from "../types";
import { feature, minutesText } from "./index";

afterEach(() => {
  cleanup();
});

/** The server's verify endpoint: one link, used once, in the browser that asked. */
function verifier(answer: "tokens" | "challenge"): FakeHandler {
  let used = false;
  return (request, backend) => {
    if ((request.body as { token?: string }).token !== "L1" || used) {
      return json(400, { detail: "This sign-in link is invalid, used or expired." });
    }
    used = true;
    return answer === "tokens"
      ? backend.issueTokens()
      : json(200, { challenge: "test-code", challenge_token: "C9", expires_in: 300 });
  };
}

/** A further sign-in step, as another feature would add it. */
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
  return (
    <button type="button" onClick={onFinish} data-testid="test-step-finish">
      {challenge.token}
    </button>
  );
}

const stepFeature: AuthFeature = {
  id: "test-step",
  challengeType: "test-code",
  ChallengeStep: TestStep,
};

describe("magic link request", () => {
  it("offers a sign-in link on the login page and says where it went and for how long", async () => {
    const backend = new FakeAuthBackend({
      handlers: { "POST /login/magic-link": () => json(202, { claim: "k", expires_in: 600 }) },
    });
    renderApp("/login", backend, { features: [feature] });
    fireEvent.change(await screen.findByTestId("magic-link-request-email"), {
      target: { value: " me@example.com " },
    });
    fireEvent.click(screen.getByTestId("magic-link-request-submit"));
    const sent = await screen.findByTestId("magic-link-sent");
    expect(sent.textContent).toBe(
      "Check your email: we sent a sign-in link to me@example.com. Open it in this browser; it works once, for 10 minutes.",
    );
    const [request] = backend.calls("POST /login/magic-link");
    expect(request?.body).toEqual({ email: "me@example.com" });
    expect(request?.credentials).toBe("include");
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);

    fireEvent.click(screen.getByTestId("magic-link-again"));
    await screen.findByTestId("magic-link-request-form");
  });

  it("shows a refusal", async () => {
    const backend = new FakeAuthBackend({
      handlers: {
        "POST /login/magic-link": () => json(400, { detail: "That is not an address." }),
      },
    });
    renderApp("/login", backend, { features: [feature] });
    fireEvent.change(await screen.findByTestId("magic-link-request-email"), {
      target: { value: "me@example.com" },
    });
    fireEvent.click(screen.getByTestId("magic-link-request-submit"));
    expect((await screen.findByTestId("magic-link-request-error")).textContent).toBe(
      "That is not an address.",
    );
  });

  it("says how long to wait after too many requests", async () => {
    const backend = new FakeAuthBackend({
      handlers: { "POST /login/magic-link": () => tooManyAttempts(60) },
    });
    renderApp("/login", backend, { features: [feature] });
    fireEvent.change(await screen.findByTestId("magic-link-request-email"), {
      target: { value: "me@example.com" },
    });
    fireEvent.click(screen.getByTestId("magic-link-request-submit"));
    expect((await screen.findByTestId("magic-link-request-error")).textContent).toBe(
      "Too many attempts. Try again in 1 minute.",
    );
    expect(screen.queryByTestId("magic-link-sent")).toBeNull();
  });

  it("rounds the lifetime up to minutes", () => {
    expect(minutesText(900)).toBe("15 minutes");
    expect(minutesText(61)).toBe("2 minutes");
    expect(minutesText(30)).toBe("1 minute");
  });
});

describe("magic link landing page", () => {
  it("signs in with the link once, even under StrictMode, and removes the token from the address", async () => {
    const backend = new FakeAuthBackend({
      handlers: { "POST /login/magic-link/verify": verifier("tokens") },
    });
    renderApp("/magic-link#token=L1", backend, { features: [feature], strict: true });
    expect((await screen.findByTestId("home-greeting")).textContent).toContain("Me Myself");
    expect(screen.getByTestId("test-location").textContent).toBe("/");
    const verifies = backend.calls("POST /login/magic-link/verify");
    expect(verifies).toHaveLength(1);
    expect(verifies[0]?.body).toEqual({ token: "L1" });
    expect(verifies[0]?.credentials).toBe("include");
  });

  it("verifies once when the page mounts after the session restore (StrictMode runs its effect twice)", async () => {
    const backend = new FakeAuthBackend({
      handlers: { "POST /login/magic-link/verify": verifier("tokens") },
    });
    renderApp("/login", backend, {
      features: [feature],
      strict: true,
      goTo: "/magic-link#token=L1",
    });
    await screen.findByTestId("login-form");
    fireEvent.click(screen.getByTestId("test-go"));
    await screen.findByTestId("home-greeting");
    expect(backend.calls("POST /login/magic-link/verify")).toHaveLength(1);
  });

  it("shows the further step the account needs, and signs in when it completes", async () => {
    const backend = new FakeAuthBackend({
      handlers: {
        "POST /login/magic-link/verify": verifier("challenge"),
        "POST /login/test-step": (request, fake) =>
          (request.body as { challenge_token?: string }).challenge_token === "C9"
            ? fake.issueTokens()
            : json(400, {}),
      },
    });
    renderApp("/magic-link#token=L1", backend, { features: [feature, stepFeature], strict: true });
    const step = await screen.findByTestId("test-step-finish");
    expect(step.textContent).toBe("C9");
    expect(screen.getByTestId("test-location").textContent).toBe("/magic-link");
    expect(backend.client.tokens.accessToken).toBeNull();
    fireEvent.click(step);
    await screen.findByTestId("home-greeting");
    expect(backend.calls("POST /login/magic-link/verify")).toHaveLength(1);
  });

  it("says so when no feature handles the step", async () => {
    const backend = new FakeAuthBackend({
      handlers: { "POST /login/magic-link/verify": verifier("challenge") },
    });
    renderApp("/magic-link#token=L1", backend, { features: [feature] });
    await screen.findByTestId("challenge-unsupported");
  });

  it("shows the server's refusal with a way back to the login page", async () => {
    const backend = new FakeAuthBackend({
      handlers: { "POST /login/magic-link/verify": verifier("tokens") },
    });
    renderApp("/magic-link#token=someone-elses", backend, { features: [feature] });
    expect((await screen.findByTestId("magic-link-error")).textContent).toBe(
      "This sign-in link is invalid, used or expired.",
    );
    expect(screen.getByTestId("magic-link-login-link").getAttribute("href")).toBe("/login");
    await waitFor(() => {
      expect(screen.getByTestId("test-location").textContent).toBe("/magic-link");
    });
    expect(backend.client.tokens.accessToken).toBeNull();
  });

  it("explains a link without a token", async () => {
    const backend = new FakeAuthBackend();
    renderApp("/magic-link", backend, { features: [feature] });
    expect((await screen.findByTestId("magic-link-error")).textContent).toContain("incomplete");
    expect(backend.calls("POST /login/magic-link/verify")).toHaveLength(0);
  });
});
