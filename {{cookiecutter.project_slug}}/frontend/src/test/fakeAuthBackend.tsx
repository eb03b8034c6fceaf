import { render } from "@testing-library/react";
import { http } from "msw";
import { setupServer } from "msw/node";
import { type ReactNode, StrictMode } from "react";
import { MemoryRouter, useLocation, useNavigate } from "react-router";
import { afterAll, afterEach, beforeAll } from "vitest";

import { type AuthClient, createAuthClient, type User } from "../api/auth";
import { App } from "../App";
import type { AuthFeature } from "../features/types";

/*
 * A stand-in for the backend's auth API on Mock Service Worker: one user, a refresh cookie
 * modelled as a flag, and access tokens that stop working when the user logs out everywhere.
 * Tests add or replace endpoints with `handlers`. Each fake answers at an origin of its own, so
 * that what an earlier app of the same test still sends never reaches a later one's.
 */

/** The test file's mock server: each fake adds its handler, which goes after every test. */
export const server = setupServer();
beforeAll(() => {
  server.listen({
    // The fake socket servers listen on 127.0.0.1; a request for anywhere else fails the test.
    onUnhandledRequest: (request, print) => {
      if (new URL(request.url).hostname !== "127.0.0.1") print.error();
    },
  });
});
afterEach(() => {
  server.resetHandlers();
});
afterAll(() => {
  server.close();
});

let fakes = 0;

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return Response.json(body, { status, headers });
}

/** The server's answer to too many attempts: 429, with the wait in `Retry-After`. */
export function tooManyAttempts(seconds: number): Response {
  return json(
    429,
    { detail: `Too many attempts; try again in ${String(seconds)} seconds.` },
    { "Retry-After": String(seconds) },
  );
}

/** The server's answer when too many passwords are being checked at once. */
export function serverBusy(): Response {
  return json(
    503,
    { detail: "The server is busy; try again in a moment." },
    { "Retry-After": "1" },
  );
}

/** The user's password in the fake. */
export const PASSWORD = "right";

/** The token of the link the fake "mails" to a new address. */
export const EMAIL_CHANGE_TOKEN = "E1";

export interface FakeRequest {
  method: string;
  /** Below /api/v1, e.g. `/users/me`, with the query string. */
  path: string;
  /** The parsed JSON body, or null. */
  body: unknown;
  /** The form body of a urlencoded request, or null. */
  form: URLSearchParams | null;
  authorization: string | null;
  credentials: RequestCredentials | undefined;
}

/** Answers a request; `backend` gives access to the fake's state (e.g. to issue tokens). */
export type FakeHandler = (
  request: FakeRequest,
  backend: FakeAuthBackend,
) => Response | Promise<Response>;

export interface FakeAuthOptions {
  loggedIn?: boolean;
  user?: Partial<User>;
  /** Keyed by "METHOD /path"; they take precedence over the built-in endpoints. */
  handlers?: Record<string, FakeHandler>;
  /** Answers whatever `handlers` do not, e.g. paths with parameters; null leaves the request to the built-in endpoints. */
  route?: (request: FakeRequest, backend: FakeAuthBackend) => Response | null;
  /** A sign-in step that the password login asks for instead of issuing tokens. */
  loginChallenge?: { challenge: string; challenge_token: string; expires_in: number };
}

const NOT_AUTHENTICATED = { detail: "Not authenticated." };
const INCORRECT_PASSWORD = { detail: "Incorrect password." };

function currentPassword(request: FakeRequest): unknown {
  return (request.body as { current_password?: unknown } | null)?.current_password;
}

/** The endpoints every fake has, keyed like `handlers`. */
const BUILT_IN: Record<string, FakeHandler> = {
  "POST /login/oauth": (request, backend) => {
    if (
      request.form?.get("username") !== backend.user.email ||
      request.form.get("password") !== PASSWORD
    ) {
      return json(400, { detail: "Incorrect email or password." });
    }
    return backend.loginChallenge ? json(200, backend.loginChallenge) : backend.issueTokens();
  },
  "POST /login/refresh": (_request, backend) =>
    backend.cookie ? backend.issueTokens() : json(401, { detail: "Missing refresh token." }),
  "POST /login/resume": (_request, backend) =>
    backend.cookie ? backend.issueTokens() : json(200, { signed_in: false }),
  "POST /login/logout": (_request, backend) => {
    backend.cookie = false;
    return new Response(null, { status: 204 });
  },
  "POST /login/logout-everywhere": (request, backend) => {
    if (!backend.authorized(request)) return json(401, NOT_AUTHENTICATED);
    backend.revokeAll();
    return new Response(null, { status: 204 });
  },
  "GET /users/me": (request, backend) =>
    backend.authorized(request) ? json(200, backend.user) : json(401, NOT_AUTHENTICATED),
  "PATCH /users/me/password": (request, backend) => {
    if (!backend.authorized(request)) return json(401, NOT_AUTHENTICATED);
    if (currentPassword(request) !== PASSWORD) return json(400, INCORRECT_PASSWORD);
    // Every other session ends; this one goes on with a new access token (and cookie).
    return backend.issueTokens();
  },
  "POST /users/me/email": (request, backend) => {
    if (!backend.authorized(request)) return json(401, NOT_AUTHENTICATED);
    if (currentPassword(request) !== PASSWORD) return json(400, INCORRECT_PASSWORD);
    const newEmail = String((request.body as { new_email?: unknown }).new_email);
    backend.pendingEmail = newEmail;
    return json(202, {
      message: `To finish, open the link we sent to ${newEmail}. Until then your address stays ${backend.user.email}.`,
    });
  },
  "POST /login/email-change": (request, backend) => {
    const token = (request.body as { token?: unknown }).token;
    if (token !== EMAIL_CHANGE_TOKEN || backend.pendingEmail === null) {
      return json(400, {
        detail: "This link is invalid, expired or already used; ask for a new one.",
      });
    }
    backend.user = { ...backend.user, email: backend.pendingEmail };
    backend.pendingEmail = null;
    backend.revokeAll();
    return json(200, { message: `Your email is now ${backend.user.email}.` });
  },
};

export class FakeAuthBackend {
  cookie: boolean;
  user: User;
  /** The address an email change waits to move to, until its link is opened. */
  pendingEmail: string | null = null;
  readonly requests: FakeRequest[] = [];
  readonly client: AuthClient;
  readonly loginChallenge: FakeAuthOptions["loginChallenge"];
  private validToken: string | null = null;
  private issued = 0;

  constructor(options: FakeAuthOptions = {}) {
    this.cookie = options.loggedIn ?? false;
    this.user = {
      id: "u1",
      email: "me@example.com",
      full_name: "Me Myself",
      is_active: true,
      is_superuser: false,
      email_verified: false,
      created_at: "2025-01-01T00:00:00Z",
      ...options.user,
    };
    this.loginChallenge = options.loginChallenge;
    fakes += 1;
    const origin = `http://backend-${String(fakes)}.test`;
    this.client = createAuthClient({ baseUrl: origin });

    // One handler per fake, for every path: MSW copies a request for each handler it tries.
    const base = `${origin}/api/v1`;
    const { handlers = {}, route } = options;
    server.use(
      http.all(`${origin}/*`, async ({ request }) => {
        const text = await request.text();
        const urlencoded =
          request.headers.get("Content-Type") === "application/x-www-form-urlencoded";
        const fake: FakeRequest = {
          method: request.method,
          path: request.url.startsWith(base) ? request.url.slice(base.length) : request.url,
          body: text !== "" && !urlencoded ? (JSON.parse(text) as unknown) : null,
          form: urlencoded ? new URLSearchParams(text) : null,
          authorization: request.headers.get("Authorization"),
          credentials: request.credentials,
        };
        this.requests.push(fake);
        const key = `${fake.method} ${fake.path}`;
        const handler = handlers[key];
        if (handler) return handler(fake, this);
        return (
          route?.(fake, this) ?? BUILT_IN[key]?.(fake, this) ?? json(404, { detail: "Not Found" })
        );
      }),
    );
  }

  /** Requests to one endpoint, e.g. `calls("POST /login/oauth")`. */
  calls(key: string): FakeRequest[] {
    return this.requests.filter((request) => `${request.method} ${request.path}` === key);
  }

  /** Signs the user in: a new access token, and the refresh cookie. */
  issueTokens(): Response {
    this.issued += 1;
    this.validToken = `access-${String(this.issued)}`;
    this.cookie = true;
    return json(200, { access_token: this.validToken, token_type: "bearer", expires_in: 900 });
  }

  /** Whether the request carries a valid access token. */
  authorized(request: FakeRequest): boolean {
    return this.validToken !== null && request.authorization === `Bearer ${this.validToken}`;
  }

  /** Every session ends: the cookie and the access tokens stop working. */
  revokeAll(): void {
    this.cookie = false;
    this.validToken = null;
  }
}

/** Shows where the router is, fragment included, for tests to read. */
function LocationProbe() {
  const location = useLocation();
  return (
    <output data-testid="test-location" data-path={location.pathname} data-hash={location.hash}>
      {`${location.pathname}${location.search}${location.hash}`}
    </output>
  );
}

/** A button that moves the router, as a click on a link inside the app would. */
function GoTo({ to }: { to: string }) {
  const navigate = useNavigate();
  const onClick = () => {
    void navigate(to);
  };
  return (
    <button type="button" onClick={onClick} data-testid="test-go">
      go
    </button>
  );
}

export interface RenderAppOptions {
  features?: readonly AuthFeature[];
  /** Like the app's entry point: effects run twice in development. */
  strict?: boolean;
  /** Where the `test-go` button leads. */
  goTo?: string;
}

/** The whole app at `path` (which may carry a `#fragment`), against `backend`. */
export function renderApp(
  path: string,
  backend: FakeAuthBackend,
  { features = [], strict = false, goTo }: RenderAppOptions = {},
) {
  const tree: ReactNode = (
    <MemoryRouter initialEntries={[path]}>
      <App authClient={backend.client} features={features} />
      <LocationProbe />
      {goTo === undefined ? null : <GoTo to={goTo} />}
    </MemoryRouter>
  );
  return render(strict ? <StrictMode>{tree}</StrictMode> : tree);
}
