import { render } from "@testing-library/react";
import { type ReactNode, StrictMode } from "react";
import { MemoryRouter, useLocation, useNavigate } from "react-router";

import { type AuthClient, createAuthClient, type User } from "../api/auth";
import { App } from "../App";
import type { AuthFeature } from "../features/types";
import { fetchArguments } from "./requests";

/*
 * A stand-in for the backend's auth API, in memory: one user, a refresh cookie
 * modelled as a flag, and access tokens that stop working when the user logs
 * out everywhere. Tests add or replace endpoints with `handlers`.
 */

const ORIGIN = "http://backend.test";
export const BASE = `${ORIGIN}/api/v1`;

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
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
  /** Below /api/v1, e.g. `/users/me`. */
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

export class FakeAuthBackend {
  cookie: boolean;
  user: User;
  /** The address an email change waits to move to, until its link is opened. */
  pendingEmail: string | null = null;
  readonly requests: FakeRequest[] = [];
  readonly client: AuthClient;
  private validToken: string | null = null;
  private issued = 0;
  private readonly handlers: Record<string, FakeHandler>;
  private readonly route: FakeAuthOptions["route"];
  private readonly loginChallenge: FakeAuthOptions["loginChallenge"];

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
    this.handlers = options.handlers ?? {};
    this.route = options.route;
    this.loginChallenge = options.loginChallenge;
    this.client = createAuthClient({
      baseUrl: ORIGIN,
      fetch: async (input, init) => this.fetch(...(await fetchArguments(input, init))),
    });
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

  private async fetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const text = typeof init.body === "string" ? init.body : "";
    const headers = new Headers(init.headers);
    const urlencoded = headers.get("Content-Type") === "application/x-www-form-urlencoded";
    const request: FakeRequest = {
      method: init.method ?? "GET",
      path: url.startsWith(BASE) ? url.slice(BASE.length) : url,
      body: text !== "" && !urlencoded ? (JSON.parse(text) as unknown) : null,
      form: urlencoded ? new URLSearchParams(text) : null,
      authorization: headers.get("Authorization"),
      credentials: init.credentials,
    };
    this.requests.push(request);
    // Like the network: the answer comes in a later task.
    await Promise.resolve();
    const handler = this.handlers[`${request.method} ${request.path}`];
    if (handler) return handler(request, this);
    return this.route?.(request, this) ?? this.builtIn(request);
  }

  private builtIn(request: FakeRequest): Response {
    switch (`${request.method} ${request.path}`) {
      case "POST /login/oauth": {
        if (
          request.form?.get("username") !== this.user.email ||
          request.form.get("password") !== PASSWORD
        ) {
          return json(400, { detail: "Incorrect email or password." });
        }
        return this.loginChallenge ? json(200, this.loginChallenge) : this.issueTokens();
      }
      case "POST /login/refresh":
        return this.cookie ? this.issueTokens() : json(401, { detail: "Missing refresh token." });
      case "POST /login/resume":
        return this.cookie ? this.issueTokens() : json(200, { signed_in: false });
      case "POST /login/logout":
        this.cookie = false;
        return new Response(null, { status: 204 });
      case "POST /login/logout-everywhere":
        if (!this.authorized(request)) return json(401, { detail: "Not authenticated." });
        this.revokeAll();
        return new Response(null, { status: 204 });
      case "GET /users/me":
        return this.authorized(request)
          ? json(200, this.user)
          : json(401, { detail: "Not authenticated." });
      case "PATCH /users/me/password": {
        if (!this.authorized(request)) return json(401, { detail: "Not authenticated." });
        if (currentPassword(request) !== PASSWORD)
          return json(400, { detail: "Incorrect password." });
        // Every other session ends; this one goes on with a new access token (and cookie).
        return this.issueTokens();
      }
      case "POST /users/me/email": {
        if (!this.authorized(request)) return json(401, { detail: "Not authenticated." });
        if (currentPassword(request) !== PASSWORD)
          return json(400, { detail: "Incorrect password." });
        const newEmail = String((request.body as { new_email?: unknown }).new_email);
        this.pendingEmail = newEmail;
        return json(202, {
          message: `To finish, open the link we sent to ${newEmail}. Until then your address stays ${this.user.email}.`,
        });
      }
      case "POST /login/email-change": {
        const token = (request.body as { token?: unknown }).token;
        if (token !== EMAIL_CHANGE_TOKEN || this.pendingEmail === null) {
          return json(400, {
            detail: "This link is invalid, expired or already used; ask for a new one.",
          });
        }
        this.user = { ...this.user, email: this.pendingEmail };
        this.pendingEmail = null;
        this.revokeAll();
        return json(200, { message: `Your email is now ${this.user.email}.` });
      }
      default:
        return json(404, { detail: "Not Found" });
    }
  }
}

function currentPassword(request: FakeRequest): unknown {
  return (request.body as { current_password?: unknown } | null)?.current_password;
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
