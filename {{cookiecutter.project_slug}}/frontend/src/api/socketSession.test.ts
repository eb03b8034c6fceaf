import { afterEach, describe, expect, it } from "vitest";

import {
  type FakeConnection,
  FakeServer,
  nodeWebSocket,
  scaffold,
  type ScaffoldOptions,
  waitFor,
} from "../test/fakeServer";
import { createAuthClient, socketTokenSource } from "./auth";
import {
  closeOutcome,
  type SessionSnapshot,
  SocketSession,
  type SocketSessionOptions,
  backoffDelay,
} from "./socketSession";
import type { ServerMessage } from "./websocketAPI";

describe("backoffDelay", () => {
  const options = { baseDelayMs: 500, maxDelayMs: 30_000 };

  it("doubles per attempt, between half and all of the exponential value", () => {
    expect(backoffDelay(1, options, () => 0)).toBe(250);
    expect(backoffDelay(1, options, () => 1)).toBe(500);
    expect(backoffDelay(2, options, () => 0)).toBe(500);
    expect(backoffDelay(3, options, () => 1)).toBe(2000);
    expect(backoffDelay(4, options, () => 0.5)).toBe(3000);
  });

  it("never exceeds the cap", () => {
    for (const attempt of [7, 8, 20, 100]) {
      expect(backoffDelay(attempt, options, () => 1)).toBe(30_000);
      expect(backoffDelay(attempt, options, () => 0)).toBe(15_000);
    }
  });

  it("is jittered", () => {
    const seen = new Set(Array.from({ length: 20 }, () => backoffDelay(5, options)));
    expect(seen.size).toBeGreaterThan(1);
    for (const delay of seen) {
      expect(delay).toBeGreaterThanOrEqual(4000);
      expect(delay).toBeLessThanOrEqual(8000);
    }
  });
});

describe("SocketSession", () => {
  it("gives up after maxAttempts failed reconnects in a row", async () => {
    const server = await FakeServer.start(scaffold());
    try {
      const session = new SocketSession({
        url: server.url,
        getToken: () => Promise.resolve("good-token"),
        createWebSocket: nodeWebSocket,
        reconnect: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 2 },
      });
      session.start();
      await waitFor(() => session.getSnapshot().status === "open", 3000, "open");
      // Every connection is dropped right after it authenticates.
      const drop = () => {
        for (const connection of server.connections) connection.terminate();
      };
      for (let i = 0; i < 3; i++) {
        await waitFor(
          () => server.connections.length === i + 1 && session.getSnapshot().status === "open",
          3000,
          "open",
        );
        drop();
      }
      await waitFor(() => session.getSnapshot().status === "closed", 3000, "closed");
      expect(session.getSnapshot().errorCode).toBe("reconnect_failed");
      expect(server.connections).toHaveLength(3);
      session.stop();
    } finally {
      await server.close();
    }
  });

  it("refuses to send while not open", () => {
    const session = new SocketSession({
      url: "ws://127.0.0.1:9/",
      getToken: () => Promise.resolve("t"),
    });
    expect(session.send("ping")).toBe(false);
    expect(session.sendRaw("x")).toBe(false);
    return expect(session.request("ping")).rejects.toThrow(/not open/);
  });
});

describe("closeOutcome", () => {
  const close = (code: number, reason = "") => ({ code, reason });
  const refusal = (code: string) => ({ error: `Refused: ${code}.`, code });
  const idle = { reason: "idle", message: "Closed after 300 s without a message." };
  const shutdown = { reason: "shutdown", message: "The server is restarting." };

  it("reconnects after unexpected closes and after a shutdown", () => {
    for (const code of [1001, 1006, 1011, 1012, 1013, 4000]) {
      expect(closeOutcome(close(code), null, null)).toEqual({ kind: "reconnect" });
    }
    expect(closeOutcome(close(1001), null, shutdown)).toEqual({ kind: "reconnect" });
    // The closing notice says what the close means, whatever its code.
    expect(closeOutcome(close(1000), null, shutdown)).toEqual({ kind: "reconnect" });
  });

  it("ends after a normal close and after an idle close", () => {
    expect(closeOutcome(close(1000, "Session saved."), null, null)).toEqual({ kind: "ended" });
    expect(closeOutcome(close(1000), null, idle)).toEqual({ kind: "ended" });
    expect(closeOutcome(close(1006), null, idle)).toEqual({ kind: "ended" });
  });

  it("is refused after the server's refusal, with its message, whatever the close code", () => {
    for (const code of ["unauthorized", "rate_limited", "message_too_big"]) {
      for (const closeCode of [1008, 1009, 1006, 1000]) {
        expect(closeOutcome(close(closeCode), refusal(code), null)).toEqual({
          kind: "refused",
          error: `Refused: ${code}.`,
          errorCode: code,
        });
      }
    }
    expect(closeOutcome(close(1001), refusal("rate_limited"), shutdown)).toMatchObject({
      kind: "refused",
    });
  });

  it("is refused after 1008 and 1009 without a message, from the close alone", () => {
    expect(closeOutcome(close(1008), null, null)).toEqual({
      kind: "refused",
      error: "The server closed the connection (policy violation).",
      errorCode: "policy",
    });
    expect(closeOutcome(close(1008, "Rate limited."), null, null)).toMatchObject({
      error: "Rate limited.",
    });
    expect(closeOutcome(close(1009), null, null)).toEqual({
      kind: "refused",
      error: "A message was too big for the server.",
      errorCode: "message_too_big",
    });
  });
});

describe("SocketSession closes and renewals", () => {
  const servers: FakeServer[] = [];
  const sessions: SocketSession[] = [];

  afterEach(async () => {
    for (const session of sessions.splice(0)) session.stop();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function open(
    serverOptions: ScaffoldOptions = {},
    options: Partial<SocketSessionOptions> = {},
  ): Promise<{ server: FakeServer; session: SocketSession; messages: ServerMessage[] }> {
    const server = await FakeServer.start(scaffold(serverOptions));
    servers.push(server);
    const messages: ServerMessage[] = [];
    const session = new SocketSession({
      url: server.url,
      getToken: () => Promise.resolve("good-token"),
      createWebSocket: nodeWebSocket,
      reconnect: { baseDelayMs: 5, maxDelayMs: 10 },
      onMessage: (message) => messages.push(message),
      ...options,
    });
    sessions.push(session);
    session.start();
    await waitFor(() => session.getSnapshot().status === "open", 3000, "open");
    return { server, session, messages };
  }

  const snapshot = (session: SocketSession): SessionSnapshot => session.getSnapshot();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const tokenFrames = (connection: FakeConnection | undefined) =>
    (connection?.received ?? []).filter(
      (frame) => typeof frame === "object" && frame.state === "token",
    );

  it("reconnects after the server's shutdown notice, and forgets it once open", async () => {
    const { server, session } = await open();
    server.shutDown("Back in a moment.");
    await waitFor(() => snapshot(session).status !== "open", 3000, "the close");
    expect(snapshot(session).closing).toEqual({ reason: "shutdown", message: "Back in a moment." });
    expect(snapshot(session).lastClose?.code).toBe(1001);
    expect(snapshot(session).error).toBeNull();
    await waitFor(
      () => server.connections.length === 2 && snapshot(session).status === "open",
      3000,
      "reopened",
    );
    expect(snapshot(session).closing).toBeNull();
  });

  it("keeps the shutdown notice through failed attempts until a connection opens", async () => {
    const server = {} as ScaffoldOptions;
    const { server: fake, session } = await open(server);
    // The server is back but not ready yet: its next two handshakes are refused (1013).
    server.busyHandshakes = 2;
    fake.shutDown("Back in a moment.");
    await waitFor(() => fake.connections.length === 3, 3000, "two refused attempts");
    expect(snapshot(session).status).not.toBe("open");
    expect(snapshot(session).closing).toEqual({ reason: "shutdown", message: "Back in a moment." });
    await waitFor(() => snapshot(session).status === "open", 3000, "reopened");
    expect(snapshot(session).closing).toBeNull();
  });

  it("comes back after a handshake the server was too busy to check (unavailable, 1013)", async () => {
    const { server, session } = await open({ busyHandshakes: 2 });
    expect(server.connections).toHaveLength(3);
    expect(snapshot(session).error).toBeNull();
  });

  it("stays closed after an idle close, keeps the server's notice, and opens again when asked", async () => {
    const serverOptions: ScaffoldOptions = { idleTimeoutMs: 50 };
    const { server, session } = await open(serverOptions);
    await waitFor(() => snapshot(session).status === "closed", 3000, "the idle close");
    expect(snapshot(session)).toMatchObject({
      closing: { reason: "idle", message: "Closed after a while without any message." },
      lastClose: { code: 1000 },
      error: null,
      saved: false,
    });
    await sleep(100);
    expect(server.connections).toHaveLength(1);

    delete serverOptions.idleTimeoutMs;
    session.reconnect();
    await waitFor(() => snapshot(session).status === "open", 3000, "reopened");
    expect(snapshot(session).closing).toBeNull();
    expect(server.connections).toHaveLength(2);
  });

  it.each([
    ["message_too_big", 1009, { maxMessageBytes: 100 }, "The message is too big."],
    ["rate_limited", 1008, { maxFrames: 3 }, "Too many messages; slow down."],
  ] as const)(
    "stays closed after %s (%i) and shows the server's message",
    async (code, closeCode, limits, error) => {
      const { server, session } = await open(limits);
      if (code === "message_too_big")
        session.sendRaw(JSON.stringify({ state: "ping", data: { text: "x".repeat(200) } }));
      else for (let i = 0; i < 3; i++) session.send("ping");
      await waitFor(() => snapshot(session).status === "closed", 3000, "the refusal");
      expect(snapshot(session)).toMatchObject({
        error,
        errorCode: code,
        lastClose: { code: closeCode },
      });
      await sleep(100);
      expect(server.connections).toHaveLength(1);
    },
  );

  it("renews the socket's token before it expires, with a new one, and goes on", async () => {
    const renewals = ["token-2", "token-3"];
    const { server, session, messages } = await open(
      { validTokens: ["token-1", "token-2", "token-3"] },
      {
        getToken: () => Promise.resolve("token-1"),
        renewToken: () => Promise.resolve(renewals.shift() ?? "none"),
        // token-1 has a second and a half left: renewed a second from now. token-2 has no known expiry.
        tokenExpiresAt: (token) => (token === "token-1" ? Date.now() + 1500 : null),
        renewBeforeMs: 500,
      },
    );
    const connection = server.connections[0];
    await waitFor(
      () => messages.some((message) => message.state === "token"),
      5000,
      "the token's answer",
    );
    expect(tokenFrames(connection)).toEqual([
      { state: "token", data: { token: "token-2" }, id: expect.any(String) as unknown },
    ]);
    const answer = messages.find((message) => message.state === "token");
    expect(answer).toMatchObject({ data: { expires_at: expect.any(String) as unknown } });
    expect(snapshot(session).status).toBe("open");
    expect(await session.request("ping", { still: "here" })).toMatchObject({
      state: "pong",
      data: { still: "here" },
    });
    expect(tokenFrames(connection)).toHaveLength(1);
    expect(renewals).toEqual(["token-3"]);
  });

  it("ends with the server's refusal when a renewal's token is refused", async () => {
    const { server, session } = await open(
      {},
      {
        renewToken: () => Promise.resolve("revoked-token"),
        tokenExpiresAt: () => Date.now() + 1000,
        renewBeforeMs: 500,
      },
    );
    await waitFor(() => snapshot(session).status === "closed", 5000, "the refusal");
    expect(tokenFrames(server.connections[0])).toMatchObject([
      { data: { token: "revoked-token" } },
    ]);
    expect(snapshot(session)).toMatchObject({
      error: "Could not validate credentials.",
      errorCode: "unauthorized",
      lastClose: { code: 1008 },
    });
    await sleep(100);
    expect(server.connections).toHaveLength(1);
  });
});

describe("SocketSession with the app's tokens (socketTokenSource)", () => {
  let issued = 0;
  /** A backend whose every login or refresh issues the next token, `T1`, `T2`…, valid `lifetime` seconds. */
  function authBackend(lifetime: number) {
    issued = 0;
    return createAuthClient({
      baseUrl: "http://backend.test",
      fetch: () => {
        issued += 1;
        const body = {
          access_token: `T${String(issued)}`,
          token_type: "bearer",
          expires_in: lifetime,
        };
        return Promise.resolve(Response.json(body));
      },
    });
  }

  async function openWith(client: ReturnType<typeof createAuthClient>) {
    const server = await FakeServer.start(
      scaffold({ validTokens: ["T1", "T2", "T3", "T4", "T5", "T6"] }),
    );
    const session = new SocketSession({
      url: server.url,
      createWebSocket: nodeWebSocket,
      ...socketTokenSource(client),
      renewBeforeMs: 60_000,
    });
    session.start();
    await waitFor(() => session.getSnapshot().status === "open", 3000, "open");
    return { server, session };
  }

  const sentTokens = (server: FakeServer) =>
    (server.connections[0]?.received ?? []).flatMap((frame) =>
      typeof frame === "object" && frame.state === "token"
        ? [(frame.data as { token: string }).token]
        : [],
    );

  it("sends the socket every token a refresh brings", async () => {
    const client = authBackend(900);
    await client.login("me@example.com", "secret");
    const { server, session } = await openWith(client);
    try {
      expect(server.connections[0]?.received[0]).toEqual({ token: "T1" });
      await client.refresh();
      await waitFor(() => sentTokens(server).length === 1, 3000, "the new token");
      expect(sentTokens(server)).toEqual(["T2"]);
      // The same token again is not news.
      client.tokens.set({ access_token: "T2", token_type: "bearer", expires_in: 900 });
      await client.refresh();
      await waitFor(() => sentTokens(server).length === 2, 3000, "the next token");
      expect(sentTokens(server)).toEqual(["T2", "T3"]);
    } finally {
      session.stop();
      await server.close();
    }
  });

  it("refreshes before the socket's token expires, and sends the new token once", async () => {
    // Two seconds of life: the socket's first token comes from a refresh, and is renewed a second later.
    const client = authBackend(2);
    const { server, session } = await openWith(client);
    try {
      await waitFor(() => sentTokens(server).length >= 1, 5000, "the renewal");
      expect(server.connections[0]?.received[0]).toEqual({ token: "T1" });
      expect(sentTokens(server)[0]).toBe("T2");
      expect(new Set(sentTokens(server)).size).toBe(sentTokens(server).length);
      expect(session.getSnapshot().status).toBe("open");
    } finally {
      session.stop();
      await server.close();
    }
  });
});
