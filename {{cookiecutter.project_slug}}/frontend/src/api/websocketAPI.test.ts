import { afterEach, describe, expect, it } from "vitest";

import { FakeServer, nodeWebSocket, scaffold, waitFor } from "../test/fakeServer";
import {
  attachRequestId,
  extractRequestId,
  type ServerMessage,
  SocketAuthError,
  SocketClient,
  SocketRequestError,
  unpackMessage,
} from "./websocketAPI";

let server: FakeServer | null = null;
const clients: SocketClient[] = [];

async function connect(
  onConnection = scaffold(),
): Promise<{ server: FakeServer; client: SocketClient }> {
  server = await FakeServer.start(onConnection);
  const client = new SocketClient(server.url, { createWebSocket: nodeWebSocket });
  clients.push(client);
  await client.open();
  return { server, client };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await server?.close();
  server = null;
});

describe("packing", () => {
  it("unpacks JSON objects with a string state and drops anything else", () => {
    const pong = { state: "pong", data: { a: 1 } };
    expect(unpackMessage(JSON.stringify(pong))).toEqual(pong);
    expect(unpackMessage("not json")).toBeUndefined();
    expect(unpackMessage("[1,2]")).toBeUndefined();
    expect(unpackMessage(JSON.stringify({ data: {} }))).toBeUndefined();
    expect(unpackMessage('{"state":5}')).toBeUndefined();
    expect(unpackMessage(new ArrayBuffer(2))).toBeUndefined();
  });

  it("reads an error's text and code from the message, or from its data", () => {
    const flat = {
      state: "error",
      error: "You may not join room 'x'.",
      code: "not_allowed",
      id: "r1",
    };
    expect(unpackMessage(JSON.stringify(flat))).toEqual(flat);
    const nested = {
      state: "error",
      data: { code: "not_allowed", message: "You may not join room 'x'." },
      id: "r2",
    };
    expect(unpackMessage(JSON.stringify(nested))).toEqual({
      ...nested,
      error: "You may not join room 'x'.",
      code: "not_allowed",
    });
    const error = new SocketRequestError(
      unpackMessage(JSON.stringify(nested)) as Extract<ServerMessage, { state: "error" }>,
    );
    expect([error.code, error.message]).toEqual(["not_allowed", "You may not join room 'x'."]);
  });

  it("puts the request id in the protocol's `id` field and reads it back", () => {
    expect(attachRequestId({ state: "ping" }, "abc")).toEqual({
      state: "ping",
      data: {},
      id: "abc",
    });
    expect(attachRequestId({ state: "ping", data: { x: 1 } }, 7)).toEqual({
      state: "ping",
      data: { x: 1 },
      id: 7,
    });
    expect(extractRequestId({ state: "pong", id: "abc" })).toBe("abc");
    expect(extractRequestId({ state: "pong", id: 3 })).toBe(3);
    expect(extractRequestId({ state: "pong", id: null })).toBeUndefined();
    expect(extractRequestId({ state: "pong" })).toBeUndefined();
  });
});

describe("SocketClient against a websocket server", () => {
  it("sends the token as the very first frame and resolves with initialised", async () => {
    const { server, client } = await connect(scaffold({ draft: { step: 2 } }));
    const connection = await server.nextConnection();
    const initialised = await client.authenticate("good-token", 2000);
    expect(connection.received[0]).toEqual({ token: "good-token" });
    expect(initialised.state).toBe("initialised");
    expect(initialised.data.user.email).toBe("user@example.com");
    expect(initialised.data.draft).toEqual({ step: 2 });
  });

  it("rejects authentication with the server's error, and the server closes with 1008", async () => {
    const { server, client } = await connect();
    const connection = await server.nextConnection();
    const closes: number[] = [];
    client.onClose((info) => closes.push(info.code));
    const error: unknown = await client.authenticate("bad-token", 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketAuthError);
    expect((error as SocketAuthError).message).toBe("Could not validate credentials.");
    expect((error as SocketAuthError).code).toBe("unauthorized");
    expect((await connection.closed).code).toBe(1008);
    await waitFor(() => closes.length > 0, 2000, "the close event");
    expect(closes).toEqual([1008]);
  });

  it("rejects authentication when the server never answers", async () => {
    const { client } = await connect(() => undefined);
    const error: unknown = await client.authenticate("good-token", 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketAuthError);
    expect((error as SocketAuthError).code).toBe("timeout");
  });

  it("attaches a unique id to each request and matches responses by id, in any order", async () => {
    const { server, client } = await connect(() => undefined);
    const connection = await server.nextConnection();
    const first = client.request("ping", { n: 1 });
    const second = client.request("ping", { n: 2 });
    const frameA = (await connection.nextFrame()) as { state: string; data: unknown; id: string };
    const frameB = (await connection.nextFrame()) as { state: string; data: unknown; id: string };
    expect(frameA).toMatchObject({ state: "ping", data: { n: 1 } });
    expect(typeof frameA.id).toBe("string");
    expect(frameA.id).not.toBe(frameB.id);
    // Answer the second request first.
    connection.send({ state: "pong", data: { answer: 2 }, id: frameB.id });
    connection.send({ state: "pong", data: { answer: 1 }, id: frameA.id });
    expect(await second).toEqual({ state: "pong", data: { answer: 2 }, id: frameB.id });
    expect(await first).toEqual({ state: "pong", data: { answer: 1 }, id: frameA.id });
  });

  it("rejects a request answered with an error, keeping the code and message", async () => {
    const { client } = await connect();
    await client.authenticate("good-token", 2000);
    const error: unknown = await client.request("save").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketRequestError);
    expect((error as SocketRequestError).code).toBe("not_allowed");
    expect((error as SocketRequestError).message).toBe("Start the session before saving it.");
    const unknown: unknown = await client.request("nope").catch((e: unknown) => e);
    expect((unknown as SocketRequestError).code).toBe("unknown_state");
  });

  it("rejects pending requests when the socket closes", async () => {
    const { server, client } = await connect(() => undefined);
    const connection = await server.nextConnection();
    const pending = client.request("ping");
    await connection.nextFrame();
    connection.close(1011, "boom");
    await expect(pending).rejects.toThrow(/closed/);
  });

  it("rejects a request that gets no answer within its timeout", async () => {
    const { client } = await connect(() => undefined);
    await expect(client.request("ping", {}, 50)).rejects.toThrow(/timeout/);
  });

  it("delivers every message, in order, to message listeners, and drops frames that are not protocol messages", async () => {
    const { server, client } = await connect(() => undefined);
    const connection = await server.nextConnection();
    const seen: ServerMessage[] = [];
    client.onMessage((message) => seen.push(message));
    connection.send({
      state: "update",
      data: { room: "r", seq: 1, epoch: "e1", sender: { id: "1", email: "a@b.c" }, payload: {} },
    });
    connection.send("garbage");
    connection.send({ no: "state" });
    connection.send({ state: "startThings", data: { something: "yes, something" } });
    connection.send({ state: "error", error: "Bad thing.", code: "invalid_data", id: null });
    await waitFor(() => seen.length === 3, 2000, "three messages");
    expect(seen.map((m) => m.state)).toEqual(["update", "startThings", "error"]);
  });

  it("sends fire-and-forget requests without an id, and raw frames as they are", async () => {
    const { server, client } = await connect(() => undefined);
    const connection = await server.nextConnection();
    client.send("startThings");
    client.send("ping", { x: 1 });
    client.sendRaw("{not json");
    expect(await connection.nextFrame()).toEqual({ state: "startThings", data: {} });
    expect(await connection.nextFrame()).toEqual({ state: "ping", data: { x: 1 } });
    expect(await connection.nextFrame()).toBe("{not json");
  });

  it("reports the close code and reason", async () => {
    const { server, client } = await connect(() => undefined);
    const connection = await server.nextConnection();
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      client.onClose(resolve);
    });
    connection.close(1013, "try again later");
    expect(await closed).toMatchObject({ code: 1013, reason: "try again later" });
    expect(client.isOpen).toBe(false);
  });
});
