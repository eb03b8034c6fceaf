import { afterEach, describe, expect, it, vi } from "vitest";

import {
  isValidRoomName,
  RoomController,
  type RoomControllerOptions,
  type RoomTransport,
} from "./room";
import { type JsonObject, type ServerMessage, SocketRequestError } from "./websocketAPI";

const ME = { id: "u-me", name: "Me" };
const ANN = { id: "u-ann", name: "Ann" };
const BOB = { id: "u-bob", name: "Bob" };

interface Sent {
  state: string;
  data: JsonObject;
  resolve: (message: ServerMessage) => void;
  reject: (error: unknown) => void;
}

/** Records requests; the test answers them (or not) by hand. */
function fakeTransport() {
  const sent: Sent[] = [];
  const transport: RoomTransport = {
    request: (state, data) =>
      new Promise<ServerMessage>((resolve, reject) => {
        sent.push({ state, data, resolve, reject });
      }),
  };
  return { sent, transport };
}

function setup(options: RoomControllerOptions = {}) {
  const { sent, transport } = fakeTransport();
  const controller = new RoomController(transport, { random: () => 0.5, ...options });
  const changes = vi.fn();
  controller.subscribe(changes);
  return { controller, sent, changes };
}

function joined(
  room: string,
  seq: number,
  members = [ME],
  historyComplete?: boolean,
  epoch = "e1",
): ServerMessage {
  const data = {
    room,
    seq,
    epoch,
    members,
    ...(historyComplete === undefined ? {} : { history_complete: historyComplete }),
  };
  return { state: "joined", data };
}

/** The server put the person out of the room, unasked. */
function putOut(room: string, reason: string): ServerMessage {
  return { state: "left", data: { room, reason } };
}

function update(
  room: string,
  seq: number,
  text: string,
  sender = ANN,
  epoch = "e1",
): ServerMessage {
  return { state: "update", data: { room, seq, epoch, sender, payload: { text } } };
}

function refusal(code: string, error = "No."): SocketRequestError {
  return new SocketRequestError({ state: "error", error, code });
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.useRealTimers();
});

describe("room names", () => {
  it("follow the server's pattern", () => {
    for (const name of ["lobby", "a", "x".repeat(100), "team-1.chat:main_2", "_x", "A.B"]) {
      expect(isValidRoomName(name), name).toBe(true);
    }
    for (const name of [
      "",
      "x".repeat(101),
      "with space",
      "slash/room",
      "é",
      "lobby\n",
      "a?b",
      "..",
      ".",
      ".hidden",
      "-x",
    ]) {
      expect(isValidRoomName(name), name).toBe(false);
    }
  });

  it("are checked before anything is sent", () => {
    const { controller, sent } = setup();
    controller.setConnected(true);
    expect(() => {
      controller.join("no spaces");
    }).toThrow(/room name/);
    expect(sent).toEqual([]);
    expect(controller.getSnapshot().phase).toBe("idle");
  });
});

describe("RoomController", () => {
  it("waits for the socket, joins without since, then keeps the members from joined and presence", () => {
    const { controller, sent } = setup();
    controller.join("lobby");
    expect(controller.getSnapshot()).toMatchObject({ room: "lobby", phase: "waiting" });
    expect(sent).toEqual([]);

    controller.setConnected(true);
    expect(sent.map((s) => [s.state, s.data])).toEqual([["join", { room: "lobby" }]]);
    expect(controller.getSnapshot().phase).toBe("joining");

    controller.handleMessage(joined("lobby", 7, [ME, ANN]));
    let snapshot = controller.getSnapshot();
    expect(snapshot.phase).toBe("joined");
    expect(snapshot.members).toEqual([ME, ANN]);
    // A first join shows only what comes after it.
    expect(snapshot.lastSeq).toBe(7);

    controller.handleMessage({
      state: "presence",
      data: { room: "lobby", event: "joined", member: BOB },
    });
    // Someone already listed (another tab of theirs) is not listed twice.
    controller.handleMessage({
      state: "presence",
      data: { room: "lobby", event: "joined", member: ANN },
    });
    // News about another room changes nothing here.
    controller.handleMessage({
      state: "presence",
      data: { room: "other", event: "left", member: ANN },
    });
    expect(controller.getSnapshot().members).toEqual([ME, ANN, BOB]);

    controller.handleMessage({
      state: "presence",
      data: { room: "lobby", event: "left", member: ANN },
    });
    snapshot = controller.getSnapshot();
    expect(snapshot.members).toEqual([ME, BOB]);
  });

  it("shows updates by seq and drops every one it has already seen", () => {
    const { controller, changes } = setup();
    controller.setConnected(true);
    controller.join("lobby");
    controller.handleMessage(joined("lobby", 2));
    controller.handleMessage(update("lobby", 3, "three"));
    controller.handleMessage(update("lobby", 4, "four", ME));
    changes.mockClear();
    controller.handleMessage(update("lobby", 4, "four again"));
    controller.handleMessage(update("lobby", 3, "three again"));
    // Not above the seq of the join: from before this person was in the room.
    controller.handleMessage(update("lobby", 2, "before"));
    expect(changes).not.toHaveBeenCalled();
    controller.handleMessage(update("lobby", 5, "five"));
    controller.handleMessage(update("elsewhere", 6, "not here"));

    const snapshot = controller.getSnapshot();
    expect(snapshot.updates.map((u) => [u.seq, u.payload.text, u.sender.name])).toEqual([
      [3, "three", ANN.name],
      [4, "four", ME.name],
      [5, "five", ANN.name],
    ]);
    expect(snapshot.lastSeq).toBe(5);
  });

  it("keeps only the newest maxUpdates", () => {
    const { controller } = setup({ maxUpdates: 3 });
    controller.setConnected(true);
    controller.join("lobby");
    controller.handleMessage(joined("lobby", 0));
    for (let seq = 1; seq <= 5; seq += 1)
      controller.handleMessage(update("lobby", seq, `n${String(seq)}`));
    expect(controller.getSnapshot().updates.map((u) => u.seq)).toEqual([3, 4, 5]);
    expect(controller.getSnapshot().lastSeq).toBe(5);
  });

  it("joins again after a new connection with since = the last seq seen, and shows the replay once", () => {
    const { controller, sent } = setup();
    controller.setConnected(true);
    controller.join("lobby");
    controller.handleMessage(joined("lobby", 10, [ME, ANN]));
    controller.handleMessage(update("lobby", 11, "a"));
    controller.handleMessage(update("lobby", 12, "b"));

    // The socket dropped; the session reconnected and authenticated again.
    controller.setConnected(false);
    expect(controller.getSnapshot()).toMatchObject({ phase: "waiting", members: [] });
    expect(controller.getSnapshot().updates).toHaveLength(2);
    controller.connectionReset();
    controller.setConnected(true);
    expect(sent.map((s) => [s.state, s.data])).toEqual([
      ["join", { room: "lobby" }],
      ["join", { room: "lobby", since: 12, epoch: "e1" }],
    ]);

    controller.handleMessage(joined("lobby", 14, [ME, BOB], true));
    // The replay may overlap what was already shown; repeats are dropped.
    for (const [seq, text] of [
      [12, "b"],
      [13, "c"],
      [14, "d"],
    ] as const)
      controller.handleMessage(update("lobby", seq, text));
    controller.handleMessage(update("lobby", 15, "live"));
    const snapshot = controller.getSnapshot();
    expect(snapshot.phase).toBe("joined");
    expect(snapshot.members).toEqual([ME, BOB]);
    expect(snapshot.updates.map((u) => u.payload.text)).toEqual(["a", "b", "c", "d", "live"]);
    expect(snapshot.missedUpdates).toBe(false);
  });

  it("rejoins even when no one saw the socket close (a new initialised is enough)", () => {
    const { controller, sent } = setup();
    controller.setConnected(true);
    controller.join("lobby");
    controller.handleMessage(joined("lobby", 3));
    controller.connectionReset();
    // Stale news from before the new connection's join is ignored.
    controller.handleMessage({
      state: "presence",
      data: { room: "lobby", event: "joined", member: BOB },
    });
    controller.setConnected(true);
    expect(sent.at(-1)?.data).toEqual({ room: "lobby", since: 3, epoch: "e1" });
  });

  it("says so when the server no longer had every update since the last seen", () => {
    const { controller } = setup();
    controller.setConnected(true);
    controller.join("lobby");
    controller.handleMessage(joined("lobby", 1));
    controller.connectionReset();
    controller.setConnected(true);
    controller.handleMessage(joined("lobby", 3000, [ME], false));
    controller.handleMessage(update("lobby", 2001, "oldest kept"));
    const snapshot = controller.getSnapshot();
    expect(snapshot.missedUpdates).toBe(true);
    expect(snapshot.updates.map((u) => u.seq)).toEqual([2001]);
  });

  it("starts the room's numbering over when its epoch changed, even with a seq above since", () => {
    const { controller, sent } = setup();
    controller.setConnected(true);
    controller.join("lobby");
    controller.handleMessage(joined("lobby", 3, [ME], undefined, "e1"));
    controller.handleMessage(update("lobby", 4, "old four"));
    controller.handleMessage(update("lobby", 5, "old five"));
    controller.connectionReset();
    controller.setConnected(true);
    expect(sent.at(-1)?.data).toEqual({ room: "lobby", since: 5, epoch: "e1" });

    // Numbered anew, and already past the old count: only the epoch tells.
    controller.handleMessage(joined("lobby", 9, [ME, ANN], false, "e2"));
    let snapshot = controller.getSnapshot();
    expect(snapshot).toMatchObject({
      phase: "joined",
      restarted: true,
      missedUpdates: false,
      lastSeq: 9,
      updates: [],
    });
    // The old numbers no longer hide anything: 6..9 of the new epoch were before the join.
    controller.handleMessage(update("lobby", 10, "new ten", ANN, "e2"));
    snapshot = controller.getSnapshot();
    expect(snapshot.updates.map((u) => [u.seq, u.payload.text])).toEqual([[10, "new ten"]]);

    // The next rejoin counts in the new epoch.
    controller.connectionReset();
    controller.setConnected(true);
    expect(sent.at(-1)?.data).toEqual({ room: "lobby", since: 10, epoch: "e2" });
    controller.handleMessage(joined("lobby", 10, [ME], true, "e2"));
    expect(controller.getSnapshot().updates.map((u) => u.seq)).toEqual([10]);
  });

  it("starts the room's numbering over when an update comes in a new epoch while joined", () => {
    const { controller } = setup();
    controller.setConnected(true);
    controller.join("lobby");
    controller.handleMessage(joined("lobby", 3, [ME], undefined, "e1"));
    controller.handleMessage(update("lobby", 4, "old four"));
    // The server lost the room and numbers it anew: the new 1 and 2 are not repeats of old ones.
    controller.handleMessage(update("lobby", 1, "new one", ANN, "e2"));
    controller.handleMessage(update("lobby", 2, "new two", ANN, "e2"));
    const snapshot = controller.getSnapshot();
    expect(snapshot).toMatchObject({ restarted: true, missedUpdates: false, lastSeq: 2 });
    expect(snapshot.updates.map((u) => [u.seq, u.payload.text])).toEqual([
      [1, "new one"],
      [2, "new two"],
    ]);
  });

  it("starts the room's numbering over when the server's is below since (its rooms were reset)", () => {
    const { controller, sent } = setup();
    controller.setConnected(true);
    controller.join("lobby");
    controller.handleMessage(joined("lobby", 40));
    controller.handleMessage(update("lobby", 41, "old"));
    controller.connectionReset();
    controller.setConnected(true);
    expect(sent.at(-1)?.data).toEqual({ room: "lobby", since: 41, epoch: "e1" });
    controller.handleMessage(joined("lobby", 0));
    controller.handleMessage(update("lobby", 1, "new"));
    const snapshot = controller.getSnapshot();
    expect(snapshot.restarted).toBe(true);
    expect(snapshot.updates.map((u) => u.payload.text)).toEqual(["new"]);
    expect(snapshot.lastSeq).toBe(1);
  });

  it("leaves before joining another room, and remembers each room's last seq", async () => {
    const { controller, sent } = setup();
    controller.setConnected(true);
    controller.join("a");
    controller.handleMessage(joined("a", 5));
    controller.handleMessage(update("a", 6, "in a"));

    controller.join("b");
    expect(controller.getSnapshot()).toMatchObject({ room: "b", phase: "joining", updates: [] });
    expect(sent.at(-1)).toMatchObject({ state: "leave", data: { room: "a" } });
    // No join until the leave is answered.
    expect(sent.filter((s) => s.state === "join")).toHaveLength(1);
    controller.handleMessage({ state: "left", data: { room: "a" } });
    expect(sent.at(-1)).toMatchObject({ state: "join", data: { room: "b" } });
    controller.handleMessage(joined("b", 0));
    controller.handleMessage(update("b", 1, "in b"));

    // Back to a: the updates missed while away are asked for, and shown after the old ones.
    controller.join("a");
    // The answer to the first leave arrives late; it concerns no current request.
    sent[1]?.resolve({ state: "left", data: { room: "a" } });
    controller.handleMessage({ state: "left", data: { room: "b" } });
    await flush();
    expect(sent.at(-1)).toMatchObject({
      state: "join",
      data: { room: "a", since: 6, epoch: "e1" },
    });
    controller.handleMessage(joined("a", 7));
    controller.handleMessage(update("a", 7, "while away"));
    expect(controller.getSnapshot().updates.map((u) => u.payload.text)).toEqual([
      "in a",
      "while away",
    ]);
    expect(controller.lastSeqOf("b")).toBe(1);
  });

  it("leaves once a join in flight is answered, and goes idle when left", () => {
    const { controller, sent } = setup();
    controller.setConnected(true);
    controller.join("lobby");
    controller.leave();
    expect(controller.getSnapshot().phase).toBe("leaving");
    controller.handleMessage(joined("lobby", 0, [ME, ANN]));
    expect(sent.map((s) => s.state)).toEqual(["join", "leave"]);
    expect(controller.getSnapshot()).toMatchObject({ room: "lobby", phase: "leaving" });
    controller.handleMessage({ state: "left", data: { room: "lobby" } });
    expect(controller.getSnapshot()).toMatchObject({ room: null, phase: "idle", members: [] });
  });

  it("gives up on a room the server refuses, and keeps why for the page", async () => {
    vi.useFakeTimers();
    const { controller, sent } = setup({ retry: { baseDelayMs: 10, maxDelayMs: 10 } });
    const reported: string[] = [];
    controller.onError((error) => reported.push(error.code));
    controller.setConnected(true);
    controller.join("secret");
    sent[0]?.reject(refusal("not_allowed", "You may not join room 'secret'."));
    await vi.advanceTimersByTimeAsync(0);
    expect(controller.getSnapshot()).toMatchObject({
      room: null,
      phase: "idle",
      retryInMs: null,
      refused: { room: "secret", code: "not_allowed", message: "You may not join room 'secret'." },
    });
    // Not tried again: not later, not on the next connection.
    await vi.advanceTimersByTimeAsync(1000);
    controller.connectionReset();
    controller.setConnected(true);
    expect(sent).toHaveLength(1);
    // Shown on the page, not reported as well.
    expect(reported).toEqual([]);

    // Asking again is trying again; leaving forgets the refusal.
    controller.join("secret");
    expect(controller.getSnapshot()).toMatchObject({
      room: "secret",
      phase: "joining",
      refused: null,
    });
    sent[1]?.reject(refusal("not_allowed", "One connection may be in 20 rooms; leave one first."));
    await vi.advanceTimersByTimeAsync(0);
    expect(controller.getSnapshot().refused?.message).toBe(
      "One connection may be in 20 rooms; leave one first.",
    );
    controller.leave();
    expect(controller.getSnapshot()).toMatchObject({ room: null, refused: null });
  });

  it("leaves a room it was put out of, says why, and does not join it again", () => {
    const { controller, sent } = setup();
    controller.setConnected(true);
    controller.join("lobby");
    controller.handleMessage(joined("lobby", 2, [ME, ANN]));
    controller.handleMessage(update("lobby", 3, "hi"));

    controller.handleMessage(putOut("lobby", "removed"));
    expect(controller.getSnapshot()).toMatchObject({
      room: null,
      phase: "idle",
      members: [],
      putOut: { room: "lobby", reason: "removed" },
    });
    // Nothing is sent: the server has already taken the person out.
    expect(sent.map((s) => s.state)).toEqual(["join"]);
    // A new connection does not rejoin it.
    controller.connectionReset();
    controller.setConnected(true);
    expect(sent.map((s) => s.state)).toEqual(["join"]);

    // Being put out of another room than the wanted one changes nothing here.
    controller.join("hall");
    controller.handleMessage(joined("hall", 0));
    controller.handleMessage(putOut("lobby", "deleted"));
    expect(controller.getSnapshot()).toMatchObject({ room: "hall", phase: "joined", putOut: null });

    controller.handleMessage(putOut("hall", "deleted"));
    expect(controller.getSnapshot()).toMatchObject({
      room: null,
      putOut: { room: "hall", reason: "deleted" },
    });
    controller.leave();
    expect(controller.getSnapshot().putOut).toBeNull();
  });

  it("takes a left it did not ask for, without a reason, as being put out", () => {
    const { controller, sent } = setup();
    controller.setConnected(true);
    controller.join("lobby");
    controller.handleMessage(joined("lobby", 0));
    controller.handleMessage({ state: "left", data: { room: "lobby" } });
    expect(controller.getSnapshot()).toMatchObject({
      room: null,
      putOut: { room: "lobby", reason: "removed" },
    });
    expect(sent).toHaveLength(1);
  });

  it("goes on to the next room when put out of the one it was leaving, and reports nothing about that leave", async () => {
    const { controller, sent } = setup();
    const reported: string[] = [];
    controller.onError((error) => reported.push(error.code));
    controller.setConnected(true);
    controller.join("a");
    controller.handleMessage(joined("a", 0));
    controller.join("b");
    expect(sent.at(-1)).toMatchObject({ state: "leave", data: { room: "a" } });
    // The room was deleted meanwhile: the server put the person out, then refuses the leave.
    controller.handleMessage(putOut("a", "deleted"));
    expect(sent.at(-1)).toMatchObject({ state: "join", data: { room: "b" } });
    sent[1]?.reject(refusal("not_allowed", "You are not in room 'a'."));
    await flush();
    expect(reported).toEqual([]);
    controller.handleMessage(joined("b", 0));
    expect(controller.getSnapshot()).toMatchObject({ room: "b", phase: "joined", putOut: null });
  });

  it("retries a join with backoff while the rooms are unavailable, reporting only the first failure", async () => {
    vi.useFakeTimers();
    const { controller, sent } = setup({ retry: { baseDelayMs: 100, maxDelayMs: 1000 } });
    const reported: string[] = [];
    controller.onError((error) => reported.push(error.code));
    controller.setConnected(true);
    controller.join("lobby");
    sent[0]?.reject(refusal("unavailable"));
    await vi.advanceTimersByTimeAsync(0);
    expect(reported).toEqual(["unavailable"]);
    // Equal jitter with random() = 0.5: 100 ms * 0.75.
    expect(controller.getSnapshot()).toMatchObject({
      room: "lobby",
      phase: "waiting",
      retryInMs: 75,
    });
    await vi.advanceTimersByTimeAsync(74);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    sent[1]?.reject(refusal("unavailable"));
    await vi.advanceTimersByTimeAsync(0);
    expect(controller.getSnapshot().retryInMs).toBe(150);
    // Asking for the same room again is joining now rather than in 150 ms.
    controller.join("lobby");
    expect(sent).toHaveLength(3);
    expect(controller.getSnapshot()).toMatchObject({ phase: "joining", retryInMs: null });
    controller.join("lobby");
    expect(sent).toHaveLength(3);
    controller.handleMessage(joined("lobby", 0));
    expect(controller.getSnapshot()).toMatchObject({ phase: "joined", retryInMs: null });
    expect(reported).toEqual(["unavailable"]);

    // A later outage is news again.
    controller.leave();
    controller.handleMessage({ state: "left", data: { room: "lobby" } });
    controller.join("hall");
    sent.at(-1)?.reject(refusal("unavailable"));
    await vi.advanceTimersByTimeAsync(0);
    expect(reported).toEqual(["unavailable", "unavailable"]);
  });

  it("rejoins at once on a new connection, even after a join was lost with the old one", async () => {
    vi.useFakeTimers();
    const { controller, sent } = setup({ retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 } });
    const reported: string[] = [];
    controller.onError((error) => reported.push(error.code));
    controller.setConnected(true);
    controller.join("lobby");
    // The socket closed with the join unanswered: the request rejects before the session
    // reports the close, so the controller first takes it for a lost answer.
    sent[0]?.reject(new Error("WebSocket closed with reason: (1006)."));
    await vi.advanceTimersByTimeAsync(0);
    expect(controller.getSnapshot().retryInMs).not.toBeNull();
    controller.setConnected(false);
    controller.connectionReset();
    controller.setConnected(true);
    expect(sent.map((s) => s.data)).toEqual([{ room: "lobby" }, { room: "lobby" }]);
    expect(reported).toEqual([]);
  });

  it("keeps a refused join in the snapshot, and reports a refused leave", async () => {
    const { controller, sent } = setup();
    const reported: string[] = [];
    controller.onError((error) => reported.push(`${error.code}: ${error.message}`));
    controller.setConnected(true);
    controller.join("lobby");
    sent[0]?.reject(refusal("invalid_data", "room: too long"));
    await flush();
    expect(controller.getSnapshot().refused).toEqual({
      room: "lobby",
      code: "invalid_data",
      message: "room: too long",
    });
    controller.join("hall");
    controller.handleMessage(joined("hall", 0));
    controller.leave();
    sent.at(-1)?.reject(refusal("not_allowed", "You are not in room 'hall'."));
    await flush();
    expect(reported).toEqual(["not_allowed: You are not in room 'hall'."]);
    expect(controller.getSnapshot()).toMatchObject({ phase: "idle", refused: null });
  });

  it("publishes only to a joined room", async () => {
    const { controller, sent } = setup();
    controller.setConnected(true);
    await expect(controller.publish({ text: "hi" })).rejects.toThrow(/Join a room/);
    controller.join("lobby");
    await expect(controller.publish({ text: "hi" })).rejects.toThrow(/Join a room/);
    controller.handleMessage(joined("lobby", 0));
    const published = controller.publish({ text: "hi" });
    expect(sent.at(-1)).toMatchObject({
      state: "publish",
      data: { room: "lobby", payload: { text: "hi" } },
    });
    sent.at(-1)?.resolve({ state: "published", data: { room: "lobby", seq: 1 } });
    await expect(published).resolves.toMatchObject({ state: "published" });
  });
});
