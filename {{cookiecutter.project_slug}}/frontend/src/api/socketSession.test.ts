import { describe, expect, it } from "vitest";

import { FakeServer, nodeWebSocket, scaffold, waitFor } from "../test/fakeServer";
import { backoffDelay, SocketSession } from "./socketSession";

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
        await waitFor(() => server.connections.length === i + 1 && session.getSnapshot().status === "open", 3000, "open");
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
    const session = new SocketSession({ url: "ws://127.0.0.1:9/", getToken: () => Promise.resolve("t") });
    expect(session.send("ping")).toBe(false);
    expect(session.sendRaw("x")).toBe(false);
    return expect(session.request("ping")).rejects.toThrow(/not open/);
  });
});
