// @vitest-environment jsdom
import { cleanup, renderHook, waitFor } from "@testing-library/react";
import type { AddressInfo } from "node:net";
import { StrictMode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocketServer } from "ws";

import { auth } from "../api/auth";
import type { ConnectionStatus } from "../api/socketSession";
import type { ServerMessage } from "../api/websocketAPI";
import { type FakeConnection, FakeServer, nodeWebSocket, scaffold } from "../test/fakeServer";
import { type UseSocketSessionOptions, useSocketSession } from "./useSocketSession";
import "../test/react";

const servers: FakeServer[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(
  onConnection: (connection: FakeConnection) => void = scaffold(),
): Promise<FakeServer> {
  const server = await FakeServer.start(onConnection);
  servers.push(server);
  return server;
}

/**
 * jsdom's own WebSocket (undici's) trips over jsdom's Event class in this
 * setup, so the hook gets `ws`'s client through its createWebSocket option.
 */
function renderSession(options: UseSocketSessionOptions) {
  const statuses: ConnectionStatus[] = [];
  const view = renderHook(
    (props: UseSocketSessionOptions) => {
      const api = useSocketSession({ createWebSocket: nodeWebSocket, ...props });
      if (statuses.at(-1) !== api.status) statuses.push(api.status);
      return api;
    },
    { initialProps: options },
  );
  cleanups.push(() => {
    view.unmount();
  });
  return { ...view, statuses };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("useSocketSession", () => {
  it("authenticates with a fresh token first, exposes user and draft, and dispatches by state", async () => {
    const server = await startServer(scaffold({ draft: { step: 3 } }));
    const getToken = vi.fn(() => Promise.resolve("good-token"));
    const onStart = vi.fn<(message: ServerMessage) => void>();
    const onPong = vi.fn<(message: ServerMessage) => void>();
    const onError = vi.fn<(message: ServerMessage) => void>();
    const onOther = vi.fn<(message: ServerMessage) => void>();
    const { result, statuses } = renderSession({
      url: server.url,
      getToken,
      handlers: { startThings: onStart, pong: onPong, error: onError },
      onOtherMessage: onOther,
    });

    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    const connection = server.connections[0];
    expect(connection?.received[0]).toEqual({ token: "good-token" });
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(statuses).toEqual(["connecting", "authenticating", "open"]);
    expect(result.current.user?.email).toBe("user@example.com");
    expect(result.current.draft).toEqual({ step: 3 });
    // `initialised` has no handler here, so it reaches the fallback.
    expect(onOther).toHaveBeenCalledWith(expect.objectContaining({ state: "initialised" }));

    expect(result.current.send("startThings")).toBe(true);
    await waitFor(() => {
      expect(onStart).toHaveBeenCalledWith({
        state: "startThings",
        data: { something: "yes, something" },
      });
    });

    const response = await result.current.request("ping", { hello: "there" });
    expect(response).toMatchObject({ state: "pong", data: { hello: "there" } });
    expect(typeof response.id).toBe("string");
    await waitFor(() => {
      expect(onPong).toHaveBeenCalledTimes(1);
    });
    const pingFrame = connection?.received.find(
      (frame) => typeof frame === "object" && frame.state === "ping",
    );
    expect(pingFrame).toMatchObject({ state: "ping", data: { hello: "there" }, id: response.id });

    result.current.sendRaw("this is not json");
    await waitFor(() => {
      expect(onError).toHaveBeenCalledWith(
        expect.objectContaining({ state: "error", code: "invalid_json" }),
      );
    });
    await expect(result.current.request("noSuchState")).rejects.toMatchObject({
      code: "unknown_state",
    });
    expect(result.current.status).toBe("open");
    expect(onStart).toHaveBeenCalledTimes(1);
  });

  it("reconnects with growing, jittered backoff after unexpected closes, re-authenticating with a new token each time", async () => {
    const tokens = ["token-1", "token-2", "token-3"];
    const server = await startServer(scaffold({ validTokens: tokens }));
    let issued = 0;
    const getToken = vi.fn(() => Promise.resolve(tokens[issued++] ?? "none"));
    const random = vi.fn(() => 0.5);
    const { result } = renderSession({
      url: server.url,
      getToken,
      random,
      // Long enough that a busy machine still sees each wait before it ends.
      reconnect: { baseDelayMs: 1000, maxDelayMs: 10000 },
    });

    const first = await server.nextConnection();
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });

    // 1. The TCP connection drops (1006): attempt 1, 1000 ms * (0.5 + 0.5 * 0.5) = 750 ms.
    const droppedAt = Date.now();
    first.terminate();
    await waitFor(() => {
      expect(result.current.status).toBe("reconnecting");
    });
    expect(result.current.reconnectAttempt).toBe(1);
    expect(result.current.retryInMs).toBe(750);
    expect(result.current.lastClose?.code).toBe(1006);
    const second = await server.nextConnection();
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(700);
    expect(await second.nextFrame()).toEqual({ token: "token-2" });
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    expect(result.current.reconnectAttempt).toBe(0);

    // 2. The server fails (1011) soon after: the backoff keeps growing (attempt 2: 1500 ms).
    const failedAt = Date.now();
    second.close(1011, "Internal error.");
    await waitFor(() => {
      expect(result.current.retryInMs).toBe(1500);
    });
    expect(result.current.reconnectAttempt).toBe(2);
    const third = await server.nextConnection();
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(1450);
    expect(await third.nextFrame()).toEqual({ token: "token-3" });
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    expect(getToken).toHaveBeenCalledTimes(3);
    expect(random).toHaveBeenCalledTimes(2);
    expect(server.connections).toHaveLength(3);
  });

  it("does not reconnect after the server closes with 1000 following save", async () => {
    const server = await startServer();
    const onSave = vi.fn<(message: ServerMessage) => void>();
    const { result } = renderSession({
      url: server.url,
      getToken: () => Promise.resolve("good-token"),
      handlers: { save: onSave },
      reconnect: { baseDelayMs: 10 },
    });
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    result.current.send("startThings");
    result.current.send("save");
    await waitFor(() => {
      expect(result.current.status).toBe("closed");
    });
    expect(onSave).toHaveBeenCalledWith({ state: "save", data: { saved: true } });
    expect(result.current.saved).toBe(true);
    expect(result.current.lastClose?.code).toBe(1000);
    expect(result.current.error).toBeNull();
    expect(result.current.send("ping")).toBe(false);
    await sleep(150);
    expect(server.connections).toHaveLength(1);
    expect(result.current.status).toBe("closed");

    // A person can start again.
    result.current.reconnect();
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    expect(result.current.saved).toBe(false);
    expect(server.connections).toHaveLength(2);
  });

  it("does not reconnect after a 1008 close on a refused token, and shows the server's error", async () => {
    const server = await startServer();
    const onError = vi.fn<(message: ServerMessage) => void>();
    const { result } = renderSession({
      url: server.url,
      getToken: () => Promise.resolve("expired-token"),
      handlers: { error: onError },
      reconnect: { baseDelayMs: 10 },
    });
    await waitFor(() => {
      expect(result.current.status).toBe("closed");
    });
    expect(result.current.error).toBe("Could not validate credentials.");
    expect(result.current.errorCode).toBe("unauthorized");
    expect(result.current.lastClose?.code).toBe(1008);
    expect(result.current.user).toBeNull();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: "unauthorized" }));
    await sleep(150);
    expect(server.connections).toHaveLength(1);
  });

  it("does not reconnect after a 1008 close in the middle of a session", async () => {
    const server = await startServer();
    const { result } = renderSession({
      url: server.url,
      getToken: () => Promise.resolve("good-token"),
      reconnect: { baseDelayMs: 10 },
    });
    const connection = await server.nextConnection();
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    connection.send({ state: "error", error: "Too many messages.", code: "rate_limited" });
    connection.close(1008, "Rate limited.");
    await waitFor(() => {
      expect(result.current.status).toBe("closed");
    });
    expect(result.current.error).toBe("Too many messages.");
    expect(result.current.errorCode).toBe("rate_limited");
    await sleep(150);
    expect(server.connections).toHaveLength(1);
  });

  it("takes the app's tokens by default, and sends the open socket each new one a refresh brings", async () => {
    let issued = 0;
    vi.stubGlobal(
      "fetch",
      vi.fn(() => {
        issued += 1;
        const body = {
          access_token: `app-token-${String(issued)}`,
          token_type: "bearer",
          expires_in: 900,
        };
        return Promise.resolve(Response.json(body));
      }),
    );
    cleanups.push(() => {
      auth.tokens.clear();
      vi.unstubAllGlobals();
    });
    const server = await startServer(scaffold({ validTokens: ["app-token-1", "app-token-2"] }));
    const { result } = renderSession({ url: server.url });
    const connection = await server.nextConnection();
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    expect(connection.received[0]).toEqual({ token: "app-token-1" });

    await auth.refresh();
    await waitFor(() => {
      expect(connection.received).toContainEqual({
        state: "token",
        data: { token: "app-token-2" },
        id: expect.any(String) as unknown,
      });
    });
    expect(result.current.status).toBe("open");
  });

  it("closes the socket when the component unmounts, and does not reconnect", async () => {
    const server = await startServer();
    const { result, unmount } = renderSession({
      url: server.url,
      getToken: () => Promise.resolve("good-token"),
      reconnect: { baseDelayMs: 10 },
    });
    const connection = await server.nextConnection();
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    unmount();
    expect((await connection.closed).code).toBe(1000);
    await sleep(100);
    expect(server.connections).toHaveLength(1);
  });

  it("closes the socket and opens a new one when resetKey (the route) changes", async () => {
    const server = await startServer();
    const options = {
      url: server.url,
      getToken: () => Promise.resolve("good-token"),
      resetKey: "/session",
    };
    const { result, rerender } = renderSession(options);
    const first = await server.nextConnection();
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    // A re-render with the same key (and new handler objects) keeps the connection.
    rerender({ ...options, handlers: {} });
    await sleep(50);
    expect(server.connections).toHaveLength(1);

    rerender({ ...options, resetKey: "/session/other" });
    expect((await first.closed).code).toBe(1000);
    const second = await server.nextConnection();
    expect(await second.nextFrame()).toEqual({ token: "good-token" });
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
  });

  it("opens a single connection under StrictMode's mount, unmount, mount", async () => {
    const server = await startServer();
    const getToken = vi.fn(() => Promise.resolve("good-token"));
    const createWebSocket = vi.fn(nodeWebSocket);
    const { result } = renderHook(
      () => useSocketSession({ url: server.url, getToken, createWebSocket }),
      {
        wrapper: StrictMode,
      },
    );
    cleanups.push(() => {
      cleanup();
    });
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    await sleep(50);
    expect(createWebSocket).toHaveBeenCalledTimes(1);
    expect(server.connections).toHaveLength(1);
    expect(getToken).toHaveBeenCalledTimes(1);
  });

  it("stops when no token can be had, and reports it", async () => {
    const server = await startServer();
    const onUnauthenticated = vi.fn();
    const { result } = renderSession({
      url: server.url,
      getToken: () => Promise.reject(new Error("401")),
      onUnauthenticated,
      reconnect: { baseDelayMs: 10 },
    });
    const connection = await server.nextConnection();
    await waitFor(() => {
      expect(result.current.status).toBe("closed");
    });
    expect(result.current.errorCode).toBe("unauthenticated");
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
    expect((await connection.closed).code).toBe(1000);
    expect(connection.received).toEqual([]);
    await sleep(100);
    expect(server.connections).toHaveLength(1);
  });

  it("keeps retrying while the server is down and connects once it is back", async () => {
    const probe = await startServer();
    const { port } = probe.wss.address() as AddressInfo;
    const url = probe.url;
    await probe.close();
    servers.splice(servers.indexOf(probe), 1);

    const { result } = renderSession({
      url,
      getToken: () => Promise.resolve("good-token"),
      random: () => 0,
      reconnect: { baseDelayMs: 40, maxDelayMs: 80 },
    });
    await waitFor(() => {
      expect(result.current.reconnectAttempt).toBeGreaterThanOrEqual(2);
    });
    expect(result.current.status).toBe("reconnecting");
    // Capped: 80 ms * 0.5 with random() = 0.
    await waitFor(() => {
      expect(result.current.retryInMs).toBe(40);
    });

    const wss = new WebSocketServer({ host: "127.0.0.1", port });
    await new Promise((resolve) => wss.once("listening", resolve));
    const received: string[] = [];
    wss.on("connection", (socket) => {
      socket.on("message", (raw: Buffer) => {
        received.push(raw.toString());
        socket.send(
          JSON.stringify({
            state: "initialised",
            data: { user: { id: "1", email: "back@example.com" } },
          }),
        );
      });
    });
    cleanups.push(() => {
      for (const client of wss.clients) client.terminate();
      wss.close();
    });
    await waitFor(() => {
      expect(result.current.status).toBe("open");
    });
    expect(result.current.user?.email).toBe("back@example.com");
    expect(received).toEqual([JSON.stringify({ token: "good-token" })]);
  });
});
