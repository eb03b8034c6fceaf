// @vitest-environment jsdom
import { QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { StrictMode } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { afterEach, describe, expect, it } from "vitest";

import { SocketClient } from "../api/websocketAPI";
import { newQueryClient } from "../App";
import { AuthProvider } from "../components/auth";
import { roomPath } from "../components/RoomDirectory";
import { ToastProvider } from "../components/toasts";
import type { UseSocketSessionOptions } from "../hooks/useSocketSession";
import { FakeAuthBackend } from "../test/fakeAuthBackend";
import { type FakeUser, FakeRooms, updateFrame } from "../test/fakeRooms";
import { FakeServer, nodeWebSocket } from "../test/fakeServer";
import { RoomsPage } from "./RoomsPage";
import "../test/react";

const ME: FakeUser = {
  id: "6f1c0c1e-0000-4000-8000-000000000001",
  name: "Me Myself",
  email: "me@example.com",
};
const ANN: FakeUser = {
  id: "6f1c0c1e-0000-4000-8000-000000000002",
  name: "Ann",
  email: "ann@example.com",
};
const BOB: FakeUser = {
  id: "6f1c0c1e-0000-4000-8000-000000000003",
  name: "Bob",
  email: "bob@example.com",
};
const USERS = { "token-me": ME, "token-ann": ANN, "token-bob": BOB };

let server: FakeServer | null = null;
const clients: SocketClient[] = [];

afterEach(async () => {
  cleanup();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await server?.close();
  server = null;
});

function Where() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname}</output>;
}

async function renderPage(
  path = "/rooms",
  setup: (rooms: FakeRooms) => void = () => undefined,
  strict = false,
  socketOverrides: UseSocketSessionOptions = {},
) {
  const rooms = new FakeRooms(USERS);
  setup(rooms);
  server = await FakeServer.start(rooms.serve);
  // The HTTP API, as ME: the rooms' routes answer from the same fake as the socket.
  const backend = new FakeAuthBackend({
    loggedIn: true,
    user: { id: ME.id, email: ME.email, full_name: ME.name },
    route: (request, fake) => rooms.http(request, fake, ME),
  });
  const roomOptions = {
    socketOptions: {
      url: server.url,
      getToken: () => Promise.resolve("token-me"),
      createWebSocket: nodeWebSocket,
      reconnect: { baseDelayMs: 20 },
      ...socketOverrides,
    },
    room: { retry: { baseDelayMs: 60, maxDelayMs: 60 } },
  };
  const tree = (
    <QueryClientProvider client={newQueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <ToastProvider>
          <AuthProvider client={backend.client}>
            <Routes>
              <Route path="/rooms/:room?" element={<RoomsPage roomOptions={roomOptions} />} />
            </Routes>
            <Where />
          </AuthProvider>
        </ToastProvider>
      </MemoryRouter>
    </QueryClientProvider>
  );
  render(strict ? <StrictMode>{tree}</StrictMode> : tree);
  await waitFor(() => {
    expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
  });
  return { rooms, url: server.url, backend };
}

/** Another person, on a socket of their own. */
async function otherMember(url: string, token = "token-ann"): Promise<SocketClient> {
  const client = new SocketClient(url, { createWebSocket: nodeWebSocket, requestTimeoutMs: 3000 });
  clients.push(client);
  await client.open();
  await client.authenticate(token, 3000);
  return client;
}

function memberIds(): string[] {
  return within(screen.getByTestId("room-members"))
    .queryAllByTestId("room-member")
    .map((item) => item.dataset.memberId ?? "");
}

function shownUpdates(): [number, string, string][] {
  return within(screen.getByTestId("room-updates"))
    .queryAllByTestId("room-update")
    .map((item) => [
      Number(item.dataset.seq),
      within(item).getByTestId("room-update-sender").textContent,
      within(item).getByTestId("room-update-text").textContent,
    ]);
}

/** The rooms in the list, in its order. */
function listed(): string[] {
  return screen.queryAllByTestId("room-list-item").map((item) => item.dataset.room ?? "");
}

function listItem(name: string): HTMLElement {
  const item = screen
    .queryAllByTestId("room-list-item")
    .find((element) => element.dataset.room === name);
  if (!item) throw new Error(`${name} is not listed.`);
  return item;
}

async function openFromList(name: string) {
  await waitFor(() => {
    expect(listed()).toContain(name);
  });
  fireEvent.click(within(listItem(name)).getByTestId("room-link"));
  await waitFor(() => {
    expect(screen.getByTestId("room-joined-name").textContent).toBe(name);
  });
}

/** The page's own `join` requests, over all its connections. */
function pageJoins(rooms: FakeRooms) {
  return rooms.requestsFor("join").filter((join) => {
    const first = join.connection.received[0];
    return typeof first === "object" && first.token === "token-me";
  });
}

function publishByForm(text: string) {
  fireEvent.change(screen.getByTestId("room-publish-input"), { target: { value: text } });
  fireEvent.click(screen.getByTestId("room-publish-button"));
}

function type(testId: string, value: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("RoomsPage: where to begin", () => {
  it("says what to do when there is no room yet", async () => {
    await renderPage("/rooms");
    const empty = await screen.findByRole("heading", { name: "No rooms yet" });
    expect(screen.getByTestId("rooms-pick").textContent).toContain("Make one under “New room”");
    expect(empty).toBeTruthy();
  });

  it("shows a late joiner where the room's history starts, and what comes after", async () => {
    const { rooms } = await renderPage("/rooms/lobby", (fake) => {
      fake.own("lobby", ANN, { isPublic: true });
      fake.publish("lobby", ANN, { text: "one" });
      fake.publish("lobby", ANN, { text: "two" });
    });
    await waitFor(() => {
      expect(screen.getByTestId("room-joined-name").textContent).toBe("lobby");
    });
    const start = screen.getByTestId("room-history-start");
    expect(start.textContent).toBe(
      "Messages #1–#2 came before you joined and are not shown. What is written from here on appears below.",
    );
    expect(screen.getByTestId("room-updates-empty").textContent).toContain("No new messages yet");

    rooms.publish("lobby", ANN, { text: "three" });
    await waitFor(() => {
      expect(shownUpdates()).toEqual([[3, "Ann", "three"]]);
    });
    expect(screen.getByTestId("room-history-start").textContent).toContain("#1–#2");
    expect(screen.queryByTestId("room-updates-empty")).toBeNull();
  });

  it("shows no history line to the one who was there from the start", async () => {
    await renderPage("/rooms/hall", (fake) => {
      fake.own("hall", ME);
    });
    await waitFor(() => {
      expect(screen.getByTestId("room-joined-name").textContent).toBe("hall");
    });
    publishByForm("first");
    await waitFor(() => {
      expect(shownUpdates()).toEqual([[1, "Me Myself", "first"]]);
    });
    expect(screen.queryByTestId("room-history-start")).toBeNull();
  });
});

describe("RoomsPage: being in a room", () => {
  it("lists the rooms one may join, opens one from the list, and follows its members coming and going", async () => {
    const { rooms, url } = await renderPage("/rooms", (fake) => {
      fake.own("lobby", ANN, { isPublic: true });
      fake.own("secret", ANN);
      fake.own("hall", ME, { members: [ANN] });
    });
    expect(screen.queryByTestId("room")).toBeNull();
    // Newest first; a private room of someone else's is not among them.
    await waitFor(() => {
      expect(listed()).toEqual(["hall", "lobby"]);
    });
    expect(listItem("hall").dataset).toMatchObject({ public: "false", owned: "true" });
    expect(listItem("hall").textContent).toContain("Yours");
    expect(listItem("lobby").dataset).toMatchObject({ public: "true", owned: "false" });
    expect(listItem("lobby").textContent).toContain("by Ann");

    await openFromList("lobby");
    expect(screen.getByTestId("location").textContent).toBe("/rooms/lobby");
    expect(within(listItem("lobby")).getByRole("link").getAttribute("aria-current")).toBe("page");
    const [join] = rooms.requestsFor("join");
    expect(join?.data).toEqual({ room: "lobby" });
    expect(typeof join?.id).toBe("string");
    expect(memberIds()).toEqual([ME.id]);

    const ann = await otherMember(url);
    await ann.request("join", { room: "lobby" });
    await waitFor(() => {
      expect(memberIds()).toEqual([ME.id, ANN.id]);
    });
    // By display name, never by address.
    const members = screen.getByTestId("room-members");
    expect(members.textContent).toContain("Ann");
    expect(members.textContent).not.toContain("@");

    await ann.request("leave", { room: "lobby" });
    await waitFor(() => {
      expect(memberIds()).toEqual([ME.id]);
    });

    // Someone already in the room when the page joins is listed from `joined`.
    await ann.request("join", { room: "hall" });
    await openFromList("hall");
    expect(memberIds().sort()).toEqual([ANN.id, ME.id].sort());
    // Switching rooms left the first one.
    const page = server?.connections[0];
    expect(
      rooms.requests.filter((r) => r.connection === page).map((r) => [r.state, r.data.room]),
    ).toEqual([
      ["join", "lobby"],
      ["leave", "lobby"],
      ["join", "hall"],
    ]);
    expect(rooms.membersOf("lobby")).toEqual([]);
  });

  it("publishes text and shows every update in seq order with its sender's name", async () => {
    const { rooms, url } = await renderPage("/rooms/lobby");
    await screen.findByTestId("room-joined-name");
    expect(screen.getByTestId<HTMLButtonElement>("room-publish-button").disabled).toBe(true);

    publishByForm("hello, room");
    await waitFor(() => {
      expect(shownUpdates()).toEqual([[1, ME.name, "hello, room"]]);
    });
    const [publish] = rooms.requestsFor("publish");
    expect(publish?.data).toEqual({ room: "lobby", payload: { text: "hello, room" } });
    expect(typeof publish?.id).toBe("string");
    await waitFor(() => {
      expect(screen.getByTestId<HTMLInputElement>("room-publish-input").value).toBe("");
    });

    const ann = await otherMember(url);
    await ann.request("join", { room: "lobby" });
    await ann.request("publish", { room: "lobby", payload: { text: "hi from ann" } });
    // `published` before the sender's own update: the page does not depend on the order.
    rooms.publishedFirst = true;
    publishByForm("second");
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(3);
    });
    // Any payload, not only text.
    rooms.publish("lobby", ANN, { shape: "circle" });

    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(4);
    });
    expect(shownUpdates()).toEqual([
      [1, ME.name, "hello, room"],
      [2, ANN.name, "hi from ann"],
      [3, ME.name, "second"],
      [4, ANN.name, '{"shape":"circle"}'],
    ]);
    expect(screen.getAllByTestId("room-update").map((item) => item.dataset.senderId)).toEqual([
      ME.id,
      ANN.id,
      ME.id,
      ANN.id,
    ]);
    expect(screen.getByTestId("room-updates").dataset.lastSeq).toBe("4");
  });

  it("shows each seq once, whatever the server sends twice", async () => {
    const { rooms } = await renderPage("/rooms/lobby");
    await screen.findByTestId("room-joined-name");
    rooms.publish("lobby", ANN, { text: "one" });
    rooms.publish("lobby", ANN, { text: "two" });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(2);
    });
    const connection = server?.connections[0];
    const epoch = rooms.rooms.get("lobby")?.epoch ?? "";
    const again = (seq: number, text: string) =>
      updateFrame("lobby", { seq, epoch, sender: ANN, payload: { text } });
    connection?.send(again(2, "two, again"));
    connection?.send(again(1, "one, again"));
    rooms.publish("lobby", ANN, { text: "three" });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(3);
    });
    expect(shownUpdates().map(([seq, , text]) => [seq, text])).toEqual([
      [1, "one"],
      [2, "two"],
      [3, "three"],
    ]);
  });

  it("joins again with since and epoch after the server drops the socket, missing nothing and repeating nothing", async () => {
    const { rooms, url } = await renderPage("/rooms/lobby", (fake) => {
      // The replay overlaps what the page has: it must drop the repeats.
      fake.replayOverlap = 2;
    });
    await screen.findByTestId("room-joined-name");
    const epoch = rooms.rooms.get("lobby")?.epoch;
    const ann = await otherMember(url);
    await ann.request("join", { room: "lobby" });
    await waitFor(() => {
      expect(memberIds()).toEqual([ME.id, ANN.id]);
    });
    for (const text of ["a", "b", "c"])
      await ann.request("publish", { room: "lobby", payload: { text } });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(3);
    });

    // The connection drops without a close frame (1006)…
    const first = server?.connections[0];
    first?.terminate();
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).not.toBe("open");
    });
    // …and the room goes on meanwhile.
    await waitFor(() => {
      expect(rooms.membersOf("lobby")).toEqual([ANN.name]);
    });
    for (const text of ["d", "e"])
      await ann.request("publish", { room: "lobby", payload: { text } });

    await waitFor(() => {
      expect(pageJoins(rooms)).toHaveLength(2);
    });
    await screen.findByTestId("room-joined-name");
    const rejoin = pageJoins(rooms)[1];
    expect(rejoin?.connection).not.toBe(first);
    expect(rejoin?.data).toEqual({ room: "lobby", since: 3, epoch });
    await ann.request("publish", { room: "lobby", payload: { text: "f" } });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(6);
    });
    expect(shownUpdates().map(([seq, , text]) => `${String(seq)}:${text}`)).toEqual([
      "1:a",
      "2:b",
      "3:c",
      "4:d",
      "5:e",
      "6:f",
    ]);
    expect(memberIds().sort()).toEqual([ANN.id, ME.id].sort());
    expect(screen.queryByTestId("room-restarted")).toBeNull();

    // A slow consumer closed with 1013 reconnects and resumes the same way.
    rejoin?.connection.close(1013, "Too many messages waiting; reconnect and resume.");
    await waitFor(() => {
      expect(pageJoins(rooms)).toHaveLength(3);
    });
    expect(pageJoins(rooms)[2]?.data).toEqual({ room: "lobby", since: 6, epoch });
    await screen.findByTestId("room-joined-name");
    await ann.request("publish", { room: "lobby", payload: { text: "g" } });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(7);
    });
    expect(shownUpdates().map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("shows the room as started over when its epoch changed while away, clearing the old updates", async () => {
    const { rooms } = await renderPage("/rooms/lobby");
    await screen.findByTestId("room-joined-name");
    const oldEpoch = rooms.rooms.get("lobby")?.epoch;
    for (const text of ["old 1", "old 2", "old 3"]) rooms.publish("lobby", ANN, { text });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(3);
    });

    server?.connections[0]?.terminate();
    await waitFor(() => {
      expect(rooms.membersOf("lobby")).toEqual([]);
    });
    // The room's numbering starts over, and has passed the old count by the time the page is back.
    const newEpoch = rooms.restart("lobby");
    for (const text of ["new 1", "new 2", "new 3", "new 4", "new 5"])
      rooms.publish("lobby", ANN, { text });

    await waitFor(() => {
      expect(pageJoins(rooms)).toHaveLength(2);
    });
    expect(pageJoins(rooms)[1]?.data).toEqual({ room: "lobby", since: 3, epoch: oldEpoch });
    await screen.findByTestId("room-restarted");
    await screen.findByTestId("room-joined-name");
    // Nothing of the old numbering is left, and nothing of the new one is taken for a repeat.
    expect(shownUpdates()).toEqual([]);
    expect(screen.getByTestId("room-updates").dataset.lastSeq).toBe("5");
    expect(screen.queryByTestId("room-missed-updates")).toBeNull();
    rooms.publish("lobby", ANN, { text: "new 6" });
    await waitFor(() => {
      expect(shownUpdates()).toEqual([[6, ANN.name, "new 6"]]);
    });

    // The next rejoin counts in the new epoch.
    server?.connections[1]?.terminate();
    await waitFor(() => {
      expect(pageJoins(rooms)).toHaveLength(3);
    });
    expect(pageJoins(rooms)[2]?.data).toEqual({ room: "lobby", since: 6, epoch: newEpoch });
  });

  it("says the session was closed for inactivity, and rejoins with since only when asked", async () => {
    const { rooms } = await renderPage("/rooms/lobby");
    await screen.findByTestId("room-joined-name");
    const epoch = rooms.rooms.get("lobby")?.epoch;
    rooms.publish("lobby", ANN, { text: "one" });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(1);
    });

    server?.connections[0]?.closeWithNotice("idle", "Closed after 300 seconds without a message.");
    const notice = await screen.findByTestId("socket-closed-notice");
    expect(notice.dataset.reason).toBe("idle");
    expect(notice.textContent).toContain("closed for inactivity");
    expect(within(notice).getByTestId("closing-message").textContent).toBe(
      "Closed after 300 seconds without a message.",
    );
    expect(screen.queryByTestId("session-error")).toBeNull();
    rooms.publish("lobby", ANN, { text: "two" });
    await pause(150);
    expect(server?.connections).toHaveLength(1);
    expect(screen.getByTestId("room-phase").dataset.phase).toBe("waiting");

    fireEvent.click(within(notice).getByTestId("reconnect-button"));
    await waitFor(() => {
      expect(pageJoins(rooms)).toHaveLength(2);
    });
    expect(pageJoins(rooms)[1]?.data).toEqual({ room: "lobby", since: 1, epoch });
    await waitFor(() => {
      expect(shownUpdates().map(([seq, , text]) => `${String(seq)}:${text}`)).toEqual([
        "1:one",
        "2:two",
      ]);
    });
    expect(screen.queryByTestId("socket-closed-notice")).toBeNull();
  });

  it("says the server is restarting, reconnects on its own and rejoins with since", async () => {
    // The second connection's token waits for the test, so the page is seen between the two.
    let release: (token: string) => void = () => undefined;
    const held = new Promise<string>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const getToken = () => (++calls === 1 ? Promise.resolve("token-me") : held);
    const { rooms } = await renderPage("/rooms/lobby", () => undefined, false, { getToken });
    await screen.findByTestId("room-joined-name");
    const epoch = rooms.rooms.get("lobby")?.epoch;
    rooms.publish("lobby", ANN, { text: "before" });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(1);
    });

    server?.shutDown("Restarting for an update.");
    const restarting = await screen.findByTestId("server-restarting");
    expect(within(restarting).getByTestId("closing-message").textContent).toBe(
      "Restarting for an update.",
    );
    expect(screen.getByTestId("room-phase").dataset.phase).toBe("waiting");
    expect(screen.queryByTestId("reconnect-button")).toBeNull();
    rooms.publish("lobby", ANN, { text: "meanwhile" });

    release("token-me");
    await waitFor(() => {
      expect(pageJoins(rooms)).toHaveLength(2);
    });
    expect(pageJoins(rooms)[1]?.data).toEqual({ room: "lobby", since: 1, epoch });
    await waitFor(() => {
      expect(shownUpdates().map(([seq, , text]) => `${String(seq)}:${text}`)).toEqual([
        "1:before",
        "2:meanwhile",
      ]);
    });
    expect(screen.queryByTestId("server-restarting")).toBeNull();
    expect(server?.connections).toHaveLength(2);
  });

  it("shows unavailable as a toast once, and joins when the rooms are back", async () => {
    const { rooms } = await renderPage("/rooms/lobby", (fake) => {
      fake.unavailable = true;
    });

    const toast = await screen.findByTestId("toast");
    expect(toast.dataset.kind).toBe("error");
    expect(toast.textContent).toContain("Rooms are unavailable right now; try again shortly.");
    // Between tries (the retries are quick here).
    await waitFor(() => {
      const phase = screen.getByTestId("room-phase");
      expect(phase.dataset.phase).toBe("waiting");
      expect(phase.textContent).toMatch(/^Unavailable; trying again in \d\.\d s$/);
    });
    // The socket stays open and the page keeps trying, without a toast per try.
    await waitFor(() => {
      expect(rooms.requestsFor("join").length).toBeGreaterThanOrEqual(3);
    });
    expect(screen.getAllByTestId("toast")).toHaveLength(1);
    expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    expect(server?.connections).toHaveLength(1);
    expect(screen.queryByTestId("room-refused")).toBeNull();

    rooms.unavailable = false;
    await screen.findByTestId("room-joined-name");
    expect(memberIds()).toEqual([ME.id]);
    expect(screen.getAllByTestId("toast")).toHaveLength(1);
  });

  it("shows a refused join with the server's reason, does not try it again, and tries when asked", async () => {
    const { rooms } = await renderPage("/rooms/secret", (fake) => {
      fake.requireRoom = true;
      fake.own("secret", ANN);
    });
    const refused = await screen.findByTestId("room-refused");
    expect(refused.dataset.code).toBe("not_allowed");
    expect(within(refused).getByTestId("room-refused-reason").textContent).toBe(
      "You may not join room 'secret'.",
    );
    expect(screen.queryByTestId("room-joined-name")).toBeNull();
    expect(screen.queryByTestId("room-publish-input")).toBeNull();
    // Retries would come every 60 ms here: none does, and no toast repeats what the page says.
    await pause(250);
    expect(pageJoins(rooms)).toHaveLength(1);
    expect(screen.queryByTestId("toast")).toBeNull();
    expect(screen.getByTestId("location").textContent).toBe("/rooms/secret");
    // The room's details are not there for someone who may not join it either: nothing else is shown.
    expect(screen.queryByTestId("room-about")).toBeNull();
    expect(screen.queryByTestId("room-detail-error")).toBeNull();

    // Ann lets the person in; they try again.
    rooms.directory.get("secret")?.members.set(ME.id, ME);
    fireEvent.click(within(refused).getByTestId("room-refused-retry"));
    await screen.findByTestId("room-joined-name");
    expect(screen.queryByTestId("room-refused")).toBeNull();
    expect(pageJoins(rooms)).toHaveLength(2);
    await waitFor(() => {
      expect(screen.getByTestId("room-settings").dataset.role).toBe("member");
    });
    expect(screen.getByTestId("room-owner").textContent).toBe("Owned by Ann");
  });

  it("leaves a room it was removed from or that was deleted, says why, and does not join it again", async () => {
    const { rooms } = await renderPage("/rooms/club", (fake) => {
      fake.requireRoom = true;
      fake.own("club", ANN, { members: [ME] });
      fake.own("lounge", ANN, { isPublic: true });
    });
    await screen.findByTestId("room-joined-name");
    await waitFor(() => {
      expect(listed()).toEqual(["lounge", "club"]);
    });

    // Ann takes the person out of her room.
    rooms.directory.get("club")?.members.delete(ME.id);
    rooms.putOut("club", new Set([ANN.id]), "removed");
    const removed = await screen.findByTestId("room-removed");
    expect(removed.dataset.reason).toBe("removed");
    expect(removed.textContent).toBe("You were removed from this room.");
    expect(screen.queryByTestId("room-joined-name")).toBeNull();
    expect(screen.queryByTestId("room-members")).toBeNull();
    // It is no longer among the person's rooms, and its settings are gone.
    await waitFor(() => {
      expect(listed()).toEqual(["lounge"]);
    });
    await waitFor(() => {
      expect(screen.queryByTestId("room-about")).toBeNull();
    });

    // A new connection does not join it again.
    server?.connections[0]?.terminate();
    await waitFor(() => {
      expect(server?.connections).toHaveLength(2);
    });
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    await pause(100);
    expect(pageJoins(rooms)).toHaveLength(1);
    expect(screen.getByTestId("room-removed")).toBeTruthy();
    expect(screen.queryByTestId("toast")).toBeNull();

    // Another room, which its owner deletes.
    await openFromList("lounge");
    expect(screen.queryByTestId("room-removed")).toBeNull();
    rooms.directory.delete("lounge");
    rooms.putOut("lounge", new Set(), "deleted");
    const deleted = await screen.findByTestId("room-removed");
    expect(deleted.dataset.reason).toBe("deleted");
    expect(deleted.textContent).toBe("This room was deleted.");
    await waitFor(() => {
      expect(listed()).toEqual([]);
    });
    expect(pageJoins(rooms)).toHaveLength(2);
  });

  it("leaves the room for good when let in by someone else", async () => {
    const { rooms, backend } = await renderPage("/rooms/club", (fake) => {
      fake.requireRoom = true;
      fake.own("club", ANN, { members: [ME, BOB] });
    });
    await screen.findByTestId("room-joined-name");
    const settings = await screen.findByTestId("room-settings");
    expect(settings.dataset.role).toBe("member");
    // Only the owner manages the room.
    expect(screen.queryByTestId("room-invite-email")).toBeNull();
    expect(screen.queryByTestId("room-delete-button")).toBeNull();

    fireEvent.click(screen.getByTestId("room-leave-for-good"));
    await waitFor(() => {
      expect(screen.getByTestId("location").textContent).toBe("/rooms");
    });
    expect(backend.calls(`DELETE /rooms/club/members/${ME.id}`)).toHaveLength(1);
    expect([...(rooms.directory.get("club")?.members.keys() ?? [])]).toEqual([BOB.id]);
    expect(screen.queryByTestId("room")).toBeNull();
    // The server put the person out too: that is no news to them.
    expect(screen.queryByTestId("room-removed")).toBeNull();
    await waitFor(() => {
      expect(listed()).toEqual([]);
    });
    expect((await screen.findByTestId("toast")).textContent).toContain("You left “club” for good.");
  });

  it("checks room names, in the address and in the form, and leaves", async () => {
    const { rooms, backend } = await renderPage("/rooms/no spaces please");
    expect(screen.getByTestId("room-name-error").textContent).toContain("1 to 100");
    expect(screen.queryByTestId("room")).toBeNull();
    await pause(50);
    expect(rooms.requestsFor("join")).toEqual([]);

    type("room-create-name", "no spaces please");
    fireEvent.click(screen.getByTestId("room-create-button"));
    await waitFor(() => {
      expect(screen.getByTestId("room-create-error").textContent).toContain("1 to 100");
    });
    type("room-create-name", "..");
    fireEvent.click(screen.getByTestId("room-create-button"));
    await waitFor(() => {
      expect(screen.getByTestId("room-create-error").textContent).toContain("starting with");
    });
    expect(backend.calls("POST /rooms")).toEqual([]);

    type("room-create-name", "team.chat:1");
    await waitFor(() => {
      expect(screen.queryByTestId("room-create-error")).toBeNull();
    });
    fireEvent.click(screen.getByTestId("room-create-button"));
    await screen.findByTestId("room-joined-name");
    expect(screen.getByTestId("location").textContent).toBe("/rooms/team.chat:1");
    expect(screen.queryByTestId("room-name-error")).toBeNull();
    fireEvent.click(screen.getByTestId("room-leave-button"));
    await waitFor(() => {
      expect(screen.queryByTestId("room")).toBeNull();
    });
    expect(screen.getByTestId("location").textContent).toBe("/rooms");
    expect(rooms.requests.map((request) => [request.state, request.data.room])).toEqual([
      ["join", "team.chat:1"],
      ["leave", "team.chat:1"],
    ]);
    expect(rooms.membersOf("team.chat:1")).toEqual([]);
    // Leaving the live room is not leaving it for good: it is still one's own.
    expect(listed()).toEqual(["team.chat:1"]);
  });

  it("joins once, on one connection, under StrictMode", async () => {
    const { rooms } = await renderPage("/rooms/lobby", () => undefined, true);
    await screen.findByTestId("room-joined-name");
    await pause(100);
    expect(server?.connections).toHaveLength(1);
    expect(pageJoins(rooms).map((join) => join.data)).toEqual([{ room: "lobby" }]);
    expect(memberIds()).toEqual([ME.id]);
  });

  it("spells a room's address with its name", () => {
    expect(roomPath("lobby")).toBe("/rooms/lobby");
    expect(roomPath("team.chat:1")).toBe("/rooms/team.chat:1");
  });
});

describe("RoomsPage: one's own rooms", () => {
  it("makes a room, opens it, lets people in and out, and opens it to everyone", async () => {
    const { rooms, backend, url } = await renderPage("/rooms", (fake) => {
      fake.requireRoom = true;
      fake.own("taken", ANN);
    });
    await screen.findByTestId("room-list-empty");

    // The server's refusal is shown in the form.
    type("room-create-name", "taken");
    fireEvent.click(screen.getByTestId("room-create-button"));
    expect((await screen.findByTestId("room-create-error")).textContent).toBe(
      "A room with this name already exists.",
    );
    expect(backend.calls("POST /rooms").map((call) => call.body)).toEqual([
      { name: "taken", is_public: false },
    ]);
    expect(screen.getByTestId("location").textContent).toBe("/rooms");

    type("room-create-name", "team");
    fireEvent.click(screen.getByTestId("room-create-button"));
    await screen.findByTestId("room-joined-name");
    expect(screen.getByTestId("location").textContent).toBe("/rooms/team");
    expect(backend.calls("POST /rooms").at(-1)?.body).toEqual({ name: "team", is_public: false });
    expect(backend.calls("POST /rooms").at(-1)?.authorization).toMatch(/^Bearer /);
    await waitFor(() => {
      expect(listed()).toEqual(["team"]);
    });
    expect(listItem("team").dataset).toMatchObject({ public: "false", owned: "true" });
    const settings = await screen.findByTestId("room-settings");
    expect(settings.dataset.role).toBe("owner");
    expect(screen.getByTestId("room-invited-empty")).toBeTruthy();
    expect(screen.getByTestId<HTMLInputElement>("room-public-toggle").checked).toBe(false);

    // Someone not let in may not join.
    const ann = await otherMember(url);
    await expect(ann.request("join", { room: "team" })).rejects.toThrow(
      "You may not join room 'team'.",
    );

    // No account with that address.
    type("room-invite-email", "nobody@example.com");
    fireEvent.click(screen.getByTestId("room-invite-button"));
    expect((await screen.findByTestId("room-invite-error")).textContent).toBe(
      "No active account has this address.",
    );

    type("room-invite-email", ANN.email);
    fireEvent.click(screen.getByTestId("room-invite-button"));
    expect((await screen.findByTestId("room-invite-result")).textContent).toBe(
      "Ann may join this room now.",
    );
    expect(backend.calls("POST /rooms/team/members").map((call) => call.body)).toEqual([
      { email: "nobody@example.com" },
      { email: ANN.email },
    ]);
    await waitFor(() => {
      expect(
        screen.getAllByTestId("room-invited-member").map((item) => item.dataset.memberId),
      ).toEqual([ANN.id]);
    });
    expect(screen.getByTestId("room-invited").textContent).toContain("Ann");

    // Now she may.
    await ann.request("join", { room: "team" });
    await waitFor(() => {
      expect(memberIds()).toEqual([ME.id, ANN.id]);
    });

    // Taken out again: the server puts her out of the room.
    fireEvent.click(screen.getByTestId("room-remove-member"));
    await waitFor(() => {
      expect(screen.queryAllByTestId("room-invited-member")).toHaveLength(0);
    });
    expect(backend.calls(`DELETE /rooms/team/members/${ANN.id}`)).toHaveLength(1);
    await waitFor(() => {
      expect(memberIds()).toEqual([ME.id]);
    });
    expect(rooms.membersOf("team")).toEqual([ME.name]);

    // Open to everyone: she may join without being let in.
    fireEvent.click(screen.getByTestId("room-public-toggle"));
    await waitFor(() => {
      expect(screen.getByTestId<HTMLInputElement>("room-public-toggle").checked).toBe(true);
    });
    expect(backend.calls("PATCH /rooms/team").map((call) => call.body)).toEqual([
      { is_public: true },
    ]);
    expect(screen.getByTestId("room-visibility").textContent).toBe("Public");
    await waitFor(() => {
      expect(listItem("team").dataset.public).toBe("true");
    });
    await ann.request("join", { room: "team" });
    await waitFor(() => {
      expect(memberIds()).toEqual([ME.id, ANN.id]);
    });

    // Closed again: whoever was not let in is put out; the owner stays.
    fireEvent.click(screen.getByTestId("room-public-toggle"));
    await waitFor(() => {
      expect(memberIds()).toEqual([ME.id]);
    });
    expect(backend.calls("PATCH /rooms/team").at(-1)?.body).toEqual({ is_public: false });
    expect(screen.getByTestId("room-joined-name").textContent).toBe("team");
  });

  it("shows why a room could not be made when one owns too many", async () => {
    const { backend } = await renderPage("/rooms", (fake) => {
      fake.maxOwned = 1;
      fake.own("mine", ME);
    });
    await waitFor(() => {
      expect(listed()).toEqual(["mine"]);
    });
    type("room-create-name", "another");
    fireEvent.click(screen.getByTestId("room-create-public"));
    fireEvent.click(screen.getByTestId("room-create-button"));
    expect((await screen.findByTestId("room-create-error")).textContent).toBe(
      "You own 1 rooms, the most one may; delete one first.",
    );
    expect(backend.calls("POST /rooms").map((call) => call.body)).toEqual([
      { name: "another", is_public: true },
    ]);
  });

  it("deletes a room after a confirm step", async () => {
    const { rooms, backend, url } = await renderPage("/rooms/team", (fake) => {
      fake.requireRoom = true;
      fake.own("old", ME);
      fake.own("team", ME, { members: [ANN] });
    });
    await screen.findByTestId("room-joined-name");
    const ann = await otherMember(url);
    const annLeft = new Promise<unknown>((resolve) => {
      ann.onMessage((message) => {
        if (message.state === "left") resolve(message.data);
      });
    });
    await ann.request("join", { room: "team" });
    await waitFor(() => {
      expect(memberIds()).toEqual([ME.id, ANN.id]);
    });

    fireEvent.click(await screen.findByTestId("room-delete-button"));
    expect(screen.getByTestId("room-delete-confirmation").textContent).toContain(
      "Delete “team” for everyone?",
    );
    fireEvent.click(screen.getByTestId("room-delete-cancel"));
    expect(screen.queryByTestId("room-delete-confirmation")).toBeNull();
    expect(backend.calls("DELETE /rooms/team")).toEqual([]);

    fireEvent.click(screen.getByTestId("room-delete-button"));
    fireEvent.click(screen.getByTestId("room-delete-confirm"));
    await waitFor(() => {
      expect(screen.getByTestId("location").textContent).toBe("/rooms");
    });
    expect(backend.calls("DELETE /rooms/team")).toHaveLength(1);
    expect(await annLeft).toEqual({ room: "team", reason: "deleted" });
    await waitFor(() => {
      expect(listed()).toEqual(["old"]);
    });
    // The owner deleted it: no notice tells them it was.
    expect(screen.queryByTestId("room")).toBeNull();
    expect(screen.queryByTestId("room-removed")).toBeNull();
    expect(rooms.directory.has("team")).toBe(false);
    expect((await screen.findByTestId("toast")).textContent).toContain("Room “team” was deleted.");
  });
});
