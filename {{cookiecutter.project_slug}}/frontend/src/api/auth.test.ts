import { afterEach, describe, expect, it, vi } from "vitest";

import {
  ApiError,
  createAuthClient,
  jwtExpiry,
  NotAuthenticatedError,
  REFRESH_MARGIN_MS,
  socketTokenSource,
} from "./auth";
import { changePassword, requestPasswordRecovery, sendVerificationEmail } from "./account";
import { fetchArguments } from "../test/requests";

afterEach(() => {
  vi.unstubAllGlobals();
});

function jwt(payload: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode(payload)}.signature`;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

const ORIGIN = "http://backend.test";
const BASE = `${ORIGIN}/api/v1`;

function urlOf(input: RequestInfo | URL): string {
  if (typeof input === "string") return input;
  return input instanceof URL ? input.href : input.url;
}

function bodyOf(init: RequestInit | undefined): string {
  return typeof init?.body === "string" ? init.body : "";
}

function setup(handler: (url: string, init: RequestInit) => Response | Promise<Response>) {
  let clock = 1_000_000;
  const fetchMock = vi.fn((input: RequestInfo | URL, init?: RequestInit) =>
    Promise.resolve(handler(urlOf(input), init ?? {})),
  );
  const client = createAuthClient({
    baseUrl: ORIGIN,
    fetch: async (input, init) => fetchMock(...(await fetchArguments(input, init))),
    now: () => clock,
  });
  return {
    client,
    fetchMock,
    advance: (ms: number) => {
      clock += ms;
    },
    calls: (path: string) =>
      fetchMock.mock.calls.filter(([url]) => urlOf(url) === `${BASE}${path}`),
  };
}

describe("jwtExpiry", () => {
  it("reads exp as milliseconds, and null for anything unreadable", () => {
    expect(jwtExpiry(jwt({ sub: "1", exp: 1_700_000_000, type: "access" }))).toBe(
      1_700_000_000_000,
    );
    expect(jwtExpiry("not-a-jwt")).toBeNull();
    expect(jwtExpiry("a.%%%.c")).toBeNull();
    expect(jwtExpiry(jwt({ sub: "1" }))).toBeNull();
  });
});

describe("auth client", () => {
  it("logs in with an OAuth2 password form and keeps the access token in memory", async () => {
    const { client, fetchMock } = setup(() =>
      json(200, { access_token: "A1", token_type: "bearer", expires_in: 900 }),
    );
    await client.login("me@example.com", "s3cret&=");
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe(`${BASE}/login/oauth`);
    expect(init?.method).toBe("POST");
    expect(init?.credentials).toBe("include");
    expect(new Headers(init?.headers).get("Content-Type")).toBe(
      "application/x-www-form-urlencoded",
    );
    const form = new URLSearchParams(bodyOf(init));
    expect(form.get("username")).toBe("me@example.com");
    expect(form.get("password")).toBe("s3cret&=");
    expect(client.tokens.accessToken).toBe("A1");
    expect(client.tokens.expiresAt).toBe(1_000_000 + 900_000);
  });

  it("surfaces the server's detail on a failed login", async () => {
    const { client } = setup(() => json(400, { detail: "Incorrect email or password." }));
    const error: unknown = await client.login("me@example.com", "wrong").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toBe("Incorrect email or password.");
    expect(client.tokens.accessToken).toBeNull();
  });

  it("reports an unreachable server", async () => {
    const client = createAuthClient({
      baseUrl: ORIGIN,
      fetch: () => Promise.reject(new TypeError("fetch failed")),
    });
    await expect(client.login("a@b.c", "x")).rejects.toMatchObject({
      status: 0,
      message: "Cannot reach the server.",
    });
  });

  it("falls back to the JWT's exp when expires_in is missing", async () => {
    const token = jwt({ sub: "1", exp: 2_000, type: "access" });
    const { client } = setup(() => json(200, { access_token: token, token_type: "bearer" }));
    await client.login("a@b.c", "x");
    expect(client.tokens.expiresAt).toBe(2_000_000);
  });

  it("returns the cached token while fresh and refreshes within 30 s of expiry", async () => {
    let issued = 0;
    const { client, calls, advance } = setup((url) => {
      issued += 1;
      return url.endsWith("/login/oauth") || url.endsWith("/login/refresh")
        ? json(200, { access_token: `T${String(issued)}`, token_type: "bearer", expires_in: 120 })
        : json(404, {});
    });
    await client.login("a@b.c", "x");
    expect(await client.getFreshAccessToken()).toBe("T1");
    advance(120_000 - REFRESH_MARGIN_MS - 1);
    expect(await client.getFreshAccessToken()).toBe("T1");
    expect(calls("/login/refresh")).toHaveLength(0);
    advance(2);
    expect(await client.getFreshAccessToken()).toBe("T2");
    const [refreshCall] = calls("/login/refresh");
    expect(refreshCall?.[1]?.credentials).toBe("include");
    expect(refreshCall?.[1]?.method).toBe("POST");
  });

  it("shares one refresh between concurrent callers (the cookie rotates)", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { client, calls } = setup(async () => {
      await gate;
      return json(200, { access_token: "R", token_type: "bearer", expires_in: 900 });
    });
    const all = Promise.all([
      client.getFreshAccessToken(),
      client.getFreshAccessToken(),
      client.refresh(),
    ]);
    release();
    expect(await all).toEqual(["R", "R", "R"]);
    expect(calls("/login/refresh")).toHaveLength(1);
  });

  it("forgets the token and raises NotAuthenticatedError when the refresh cookie is rejected", async () => {
    let refreshOk = true;
    const { client, advance } = setup(() =>
      refreshOk
        ? json(200, { access_token: "X", token_type: "bearer", expires_in: 60 })
        : json(401, { detail: "Refresh token revoked." }),
    );
    await client.refresh();
    const cleared = vi.fn();
    client.tokens.subscribe(cleared);
    refreshOk = false;
    advance(60_000);
    const error: unknown = await client.getFreshAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAuthenticatedError);
    expect((error as Error).message).toBe("Refresh token revoked.");
    expect(client.tokens.accessToken).toBeNull();
    expect(cleared).toHaveBeenCalled();
  });

  it("restores a session from the cookie once, then loads the user with a bearer token", async () => {
    const user = {
      id: "u1",
      email: "me@example.com",
      full_name: null,
      is_active: true,
      is_superuser: false,
    };
    const { client, calls } = setup((url, init) => {
      if (url.endsWith("/login/resume"))
        return json(200, { access_token: "S", token_type: "bearer", expires_in: 900 });
      if (url.endsWith("/users/me")) {
        return new Headers(init.headers).get("Authorization") === "Bearer S"
          ? json(200, user)
          : json(401, {});
      }
      return json(404, {});
    });
    const [first, second] = await Promise.all([client.restoreSession(), client.restoreSession()]);
    expect(first).toEqual(user);
    expect(second).toEqual(user);
    expect(calls("/login/resume")).toHaveLength(1);
    expect(calls("/login/refresh")).toHaveLength(0);
    expect(calls("/users/me")).toHaveLength(1);
  });

  it("restores nothing without a valid cookie, told so without a failed request", async () => {
    const { client, calls } = setup(() => json(200, { signed_in: false }));
    expect(await client.restoreSession()).toBeNull();
    expect(client.tokens.accessToken).toBeNull();
    expect(calls("/login/resume")).toHaveLength(1);
    expect(calls("/users/me")).toHaveLength(0);
  });

  it("shares the restore's spending of the cookie with a refresh asked for meanwhile", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { client, calls } = setup(async (url) => {
      if (url.endsWith("/users/me")) return json(200, { id: "u1", email: "me@example.com" });
      await gate;
      return json(200, { access_token: "R", token_type: "bearer", expires_in: 900 });
    });
    const restored = client.restoreSession();
    const refreshed = client.getFreshAccessToken();
    release();
    expect(await refreshed).toBe("R");
    expect(await restored).toMatchObject({ id: "u1" });
    expect(calls("/login/resume")).toHaveLength(1);
    expect(calls("/login/refresh")).toHaveLength(0);
  });

  it("logs out: revokes the cookie server-side and drops the token even if the call fails", async () => {
    let fail = false;
    const { client, calls } = setup((url) => {
      if (url.endsWith("/login/logout"))
        return fail ? json(500, {}) : new Response(null, { status: 204 });
      return json(200, { access_token: "L", token_type: "bearer", expires_in: 900 });
    });
    await client.login("a@b.c", "x");
    await client.logout();
    expect(client.tokens.accessToken).toBeNull();
    expect(calls("/login/logout")[0]?.[1]?.credentials).toBe("include");

    await client.login("a@b.c", "x");
    fail = true;
    await expect(client.logout()).rejects.toBeInstanceOf(ApiError);
    expect(client.tokens.accessToken).toBeNull();
  });

  it("hands back a sign-in step the server asks for, without tokens", async () => {
    const { client } = setup(() =>
      json(200, { challenge: "code", challenge_token: "C1", expires_in: 300 }),
    );
    expect(await client.login("a@b.c", "x")).toEqual({
      kind: "challenge",
      challenge: { type: "code", token: "C1", expiresIn: 300 },
    });
    expect(client.tokens.accessToken).toBeNull();
  });

  it("keeps the tokens another sign-in answers with, or hands back the step it asks for", () => {
    const { client } = setup(() => json(500, {}));
    const token = { access_token: "M", token_type: "bearer", expires_in: 900 };
    expect(client.signIn(token)).toEqual({ kind: "signed-in" });
    expect(client.tokens.accessToken).toBe("M");
    const challenge = { challenge: "code", challenge_token: "C2", expires_in: 60 };
    expect(client.signIn(challenge)).toEqual({
      kind: "challenge",
      challenge: { type: "code", token: "C2", expiresIn: 60 },
    });
    expect(client.tokens.accessToken).toBe("M");
  });

  it("sends JSON requests with the cookies, the signed-in user's with a bearer token", async () => {
    const { client, calls } = setup((url) => {
      if (url.endsWith("/login/refresh"))
        return json(200, { access_token: "B", token_type: "bearer", expires_in: 900 });
      if (url.endsWith("/login/password-recovery")) return json(202, { message: "ok" });
      return json(202, { message: "sent" });
    });
    expect(await requestPasswordRecovery(client, "a@b.c")).toBe("ok");
    const [, plain] = calls("/login/password-recovery")[0] ?? [];
    expect(plain?.method).toBe("POST");
    expect(plain?.credentials).toBe("include");
    expect(new Headers(plain?.headers).get("Content-Type")).toBe("application/json");
    expect(JSON.parse(bodyOf(plain))).toEqual({ email: "a@b.c" });
    expect(new Headers(plain?.headers).get("Authorization")).toBeNull();

    expect(await sendVerificationEmail(client)).toBe("sent");
    const [, authed] = calls("/users/me/email-verification")[0] ?? [];
    expect(authed?.method).toBe("POST");
    expect(new Headers(authed?.headers).get("Authorization")).toBe("Bearer B");
    expect(authed?.body).toBeUndefined();
  });

  it("logs out everywhere with the access token, then forgets it; keeps it when the server says no", async () => {
    let status = 500;
    const { client, calls } = setup((url) => {
      if (url.endsWith("/login/logout-everywhere"))
        return status === 204 ? new Response(null, { status }) : json(status, {});
      return json(200, { access_token: "E", token_type: "bearer", expires_in: 900 });
    });
    await client.login("a@b.c", "x");
    await expect(client.logoutEverywhere()).rejects.toBeInstanceOf(ApiError);
    expect(client.tokens.accessToken).toBe("E");

    status = 204;
    await client.logoutEverywhere();
    expect(client.tokens.accessToken).toBeNull();
    const [, init] = calls("/login/logout-everywhere")[1] ?? [];
    expect(init?.method).toBe("POST");
    expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer E");
  });

  it("refreshes inside a Web Lock when the browser has them, so tabs take turns with the cookie", async () => {
    const held: string[] = [];
    const request = vi.fn(async (name: string, callback: () => Promise<unknown>) => {
      held.push(name);
      try {
        return await callback();
      } finally {
        held.pop();
      }
    });
    vi.stubGlobal("navigator", { locks: { request } });
    let heldDuringRefresh: string[] = [];
    const client = createAuthClient({
      baseUrl: ORIGIN,
      refreshLockName: "app-refresh",
      fetch: () => {
        heldDuringRefresh = [...held];
        return Promise.resolve(
          json(200, { access_token: "W", token_type: "bearer", expires_in: 900 }),
        );
      },
    });
    expect(await client.refresh()).toBe("W");
    expect(request).toHaveBeenCalledTimes(1);
    expect(request.mock.calls[0]?.[0]).toBe("app-refresh");
    expect(heldDuringRefresh).toEqual(["app-refresh"]);
    expect(held).toEqual([]);
  });

  it("refreshes without a lock where there are no Web Locks", async () => {
    vi.stubGlobal("navigator", {});
    const { client, calls } = setup(() =>
      json(200, { access_token: "N", token_type: "bearer", expires_in: 900 }),
    );
    expect(await client.refresh()).toBe("N");
    expect(calls("/login/refresh")).toHaveLength(1);
  });

  it("keeps the tokens of a sign-in that completes while a session restore fails", async () => {
    let releaseRefresh: () => void = () => undefined;
    const refreshGate = new Promise<void>((resolve) => {
      releaseRefresh = resolve;
    });
    const { client } = setup(async (url) => {
      if (url.endsWith("/login/resume")) {
        await refreshGate;
        return json(200, { signed_in: false });
      }
      return json(200, { access_token: "LINK", token_type: "bearer", expires_in: 900 });
    });
    const restored = client.restoreSession();
    expect(await client.login("a@b.c", "x")).toEqual({ kind: "signed-in" });
    releaseRefresh();
    expect(await restored).toBeNull();
    expect(client.tokens.accessToken).toBe("LINK");
  });

  it("adopts the access token a password change answers with, and hands it to the socket", async () => {
    const answer = { access_token: "NEW", token_type: "bearer", expires_in: 600 };
    const { client, calls } = setup((url) => {
      const token = url.endsWith("/login/refresh")
        ? { access_token: "OLD", token_type: "bearer", expires_in: 900 }
        : null;
      return json(200, token ?? answer);
    });
    const socketTokens: string[] = [];
    socketTokenSource(client).subscribeToTokens((token) => {
      socketTokens.push(token);
    });
    await client.refresh();
    await changePassword(client, "old password", "new password");
    const [, init] = calls("/users/me/password")[0] ?? [];
    expect(init?.method).toBe("PATCH");
    expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer OLD");
    expect(client.tokens.accessToken).toBe("NEW");
    expect(client.tokens.expiresAt).toBe(1_000_000 + 600_000);
    expect(socketTokens).toEqual(["OLD", "NEW"]);
    expect(await client.getFreshAccessToken()).toBe("NEW");
    expect(calls("/login/refresh")).toHaveLength(1);
  });

  it("keeps a renewed token when a refresh with the old cookie fails meanwhile", async () => {
    let releaseRefresh: () => void = () => undefined;
    const refreshGate = new Promise<void>((resolve) => {
      releaseRefresh = resolve;
    });
    let refreshes = 0;
    const { client } = setup(async (url) => {
      if (url.endsWith("/login/refresh")) {
        refreshes += 1;
        if (refreshes === 1)
          return json(200, { access_token: "OLD", token_type: "bearer", expires_in: 900 });
        await refreshGate;
        return json(401, { detail: "Refresh token reused." });
      }
      return json(200, { access_token: "NEW", token_type: "bearer", expires_in: 900 });
    });
    await client.refresh();
    const failing = client.refresh();
    await changePassword(client, "old password", "new password");
    releaseRefresh();
    await expect(failing).rejects.toBeInstanceOf(NotAuthenticatedError);
    expect(client.tokens.accessToken).toBe("NEW");
  });
});

describe("error messages", () => {
  function failing(status: number, body: unknown, headers: Record<string, string> = {}) {
    const response = () =>
      new Response(typeof body === "string" ? body : JSON.stringify(body), {
        status,
        headers: { "Content-Type": "application/json", ...headers },
      });
    return requestPasswordRecovery(setup(response).client, "a@b.c").catch((e: unknown) => e);
  }

  it("say how long to wait after too many attempts, from Retry-After or else the detail", async () => {
    const detail = "Too many attempts; try again in 120 seconds.";
    const withHeader = await failing(429, { detail }, { "Retry-After": "120" });
    expect(withHeader).toBeInstanceOf(ApiError);
    expect(withHeader).toMatchObject({
      status: 429,
      retryAfter: 120,
      message: "Too many attempts. Try again in 2 minutes.",
    });
    expect(
      await failing(429, { detail: "Too many attempts; try again in 9 seconds." }),
    ).toMatchObject({
      retryAfter: 9,
      message: "Too many attempts. Try again in 9 seconds.",
    });
    expect(await failing(429, { detail: "Slow down." })).toMatchObject({
      retryAfter: null,
      message: "Slow down.",
    });
    expect(await failing(429, "not json")).toMatchObject({
      message: "Too many attempts. Try again later.",
    });
  });

  it("say the server is busy on a 503 that asks to retry, or says nothing", async () => {
    const busy = { detail: "The server is busy; try again in a moment." };
    expect(await failing(503, busy, { "Retry-After": "1" })).toMatchObject({
      status: 503,
      retryAfter: 1,
      message: "The server is busy. Try again in a moment.",
    });
    expect(await failing(503, "<html>")).toMatchObject({
      message: "The server is busy. Try again in a moment.",
    });
    expect(await failing(503, { detail: "Down for maintenance." })).toMatchObject({
      message: "Down for maintenance.",
    });
  });

  it("show a validator's own sentences of a 422, and a general word for the others", async () => {
    const common = {
      loc: ["body", "new_password"],
      msg: "Value error, this password is too common; choose another",
    };
    expect(await failing(422, { detail: [common] })).toMatchObject({
      message: "This password is too common; choose another.",
    });
    expect(
      await failing(422, { detail: [{ loc: ["body", "email"], msg: "Field required" }] }),
    ).toMatchObject({
      message: "Please check the values you entered.",
    });
  });
});
