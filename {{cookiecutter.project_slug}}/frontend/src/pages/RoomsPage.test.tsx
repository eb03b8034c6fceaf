// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { StrictMode } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { afterEach, describe, expect, it } from "vitest";

import { SocketClient } from "../api/websocketAPI";
import { ToastProvider } from "../components/toasts";
import type { UseSocketSessionOptions } from "../hooks/useSocketSession";
import { type FakeUser, FakeRooms, updateFrame } from "../test/fakeRooms";
import { FakeServer, nodeWebSocket } from "../test/fakeServer";
import { RoomsPage, roomPath } from "./RoomsPage";
import "../test/react";

const ME: FakeUser = { id: "6f1c0c1e-0000-4000-8000-000000000001", email: "me@example.com" };
const ANN: FakeUser = { id: "6f1c0c1e-0000-4000-8000-000000000002", email: "ann@example.com" };
const USERS = { "token-me": ME, "token-ann": ANN };

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
    <MemoryRouter initialEntries={[path]}>
      <ToastProvider>
        <Routes>
          <Route path="/rooms/:room?" element={<RoomsPage roomOptions={roomOptions} />} />
        </Routes>
        <Where />
      </ToastProvider>
    </MemoryRouter>
  );
  render(strict ? <StrictMode>{tree}</StrictMode> : tree);
  await waitFor(() => {
    expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
  });
  return { rooms, url: server.url };
}

async function joinByForm(name: string) {
  fireEvent.change(screen.getByTestId("room-name-input"), { target: { value: name } });
  fireEvent.click(screen.getByTestId("room-join-button"));
  await screen.findByTestId("room-joined-name");
}

/** Another person, on a socket of their own. */
async function otherMember(url: string, token = "token-ann"): Promise<SocketClient> {
  const client = new SocketClient(url, { createWebSocket: nodeWebSocket, requestTimeoutMs: 3000 });
  clients.push(client);
  await client.open();
  await client.authenticate(token, 3000);
  return client;
}

function memberEmails(): string[] {
  return within(screen.getByTestId("room-members"))
    .queryAllByTestId("room-member")
    .map((item) => item.dataset.email ?? "");
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

describe("RoomsPage", () => {
  it("joins the room typed in, lists its members, and follows them coming and going", async () => {
    const { rooms, url } = await renderPage();
    expect(screen.queryByTestId("room")).toBeNull();
    await joinByForm("lobby");

    expect(screen.getByTestId("room-joined-name").textContent).toBe("lobby");
    expect(screen.getByTestId("location").textContent).toBe("/rooms/lobby");
    const [join] = rooms.requestsFor("join");
    expect(join?.data).toEqual({ room: "lobby" });
    expect(typeof join?.id).toBe("string");
    expect(memberEmails()).toEqual([ME.email]);

    const ann = await otherMember(url);
    await ann.request("join", { room: "lobby" });
    await waitFor(() => {
      expect(memberEmails()).toEqual([ME.email, ANN.email]);
    });

    await ann.request("leave", { room: "lobby" });
    await waitFor(() => {
      expect(memberEmails()).toEqual([ME.email]);
    });

    // Someone already in the room when the page joins is listed from `joined`.
    await ann.request("join", { room: "hall" });
    await joinByForm("hall");
    await waitFor(() => {
      expect(screen.getByTestId("room-joined-name").textContent).toBe("hall");
    });
    expect(memberEmails().sort()).toEqual([ANN.email, ME.email]);
    // Switching rooms left the first one.
    const page = server?.connections[0];
    expect(rooms.requests.filter((r) => r.connection === page).map((r) => [r.state, r.data.room])).toEqual([
      ["join", "lobby"],
      ["leave", "lobby"],
      ["join", "hall"],
    ]);
    expect(rooms.membersOf("lobby")).toEqual([]);
  });

  it("publishes text and shows every update in seq order with its sender", async () => {
    const { rooms, url } = await renderPage("/rooms/lobby");
    await screen.findByTestId("room-joined-name");
    expect(screen.getByTestId<HTMLInputElement>("room-name-input").value).toBe("lobby");
    expect(screen.getByTestId<HTMLButtonElement>("room-publish-button").disabled).toBe(true);

    publishByForm("hello, room");
    await waitFor(() => {
      expect(shownUpdates()).toEqual([[1, ME.email, "hello, room"]]);
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
      [1, ME.email, "hello, room"],
      [2, ANN.email, "hi from ann"],
      [3, ME.email, "second"],
      [4, ANN.email, '{"shape":"circle"}'],
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
    const sender = ANN;
    connection?.send(updateFrame("lobby", { seq: 2, sender, payload: { text: "two, again" } }));
    connection?.send(updateFrame("lobby", { seq: 1, sender, payload: { text: "one, again" } }));
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

  it("joins again with since after the server drops the socket, missing nothing and repeating nothing", async () => {
    const { rooms, url } = await renderPage("/rooms/lobby", (fake) => {
      // The replay overlaps what the page has: it must drop the repeats.
      fake.replayOverlap = 2;
    });
    await screen.findByTestId("room-joined-name");
    const ann = await otherMember(url);
    await ann.request("join", { room: "lobby" });
    await waitFor(() => {
      expect(memberEmails()).toEqual([ME.email, ANN.email]);
    });
    for (const text of ["a", "b", "c"]) await ann.request("publish", { room: "lobby", payload: { text } });
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
      expect(rooms.membersOf("lobby")).toEqual([ANN.email]);
    });
    for (const text of ["d", "e"]) await ann.request("publish", { room: "lobby", payload: { text } });

    await waitFor(() => {
      expect(pageJoins(rooms)).toHaveLength(2);
    });
    await screen.findByTestId("room-joined-name");
    const rejoin = pageJoins(rooms)[1];
    expect(rejoin?.connection).not.toBe(first);
    expect(rejoin?.data).toEqual({ room: "lobby", since: 3 });
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
    expect(memberEmails().sort()).toEqual([ANN.email, ME.email]);

    // A slow consumer closed with 1013 reconnects and resumes the same way.
    rejoin?.connection.close(1013, "Too many messages waiting; reconnect and resume.");
    await waitFor(() => {
      expect(pageJoins(rooms)).toHaveLength(3);
    });
    expect(pageJoins(rooms)[2]?.data).toEqual({ room: "lobby", since: 6 });
    await screen.findByTestId("room-joined-name");
    await ann.request("publish", { room: "lobby", payload: { text: "g" } });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(7);
    });
    expect(shownUpdates().map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("says the session was closed for inactivity, and rejoins with since only when asked", async () => {
    const { rooms } = await renderPage("/rooms/lobby");
    await screen.findByTestId("room-joined-name");
    rooms.publish("lobby", ANN, { text: "one" });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(1);
    });

    server?.connections[0]?.closeWithNotice("idle", "Closed after 300 seconds without a message.");
    const notice = await screen.findByTestId("socket-closed-notice");
    expect(notice.dataset.reason).toBe("idle");
    expect(notice.textContent).toContain("closed for inactivity");
    expect(within(notice).getByTestId("closing-message").textContent).toBe("Closed after 300 seconds without a message.");
    expect(screen.queryByTestId("session-error")).toBeNull();
    rooms.publish("lobby", ANN, { text: "two" });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server?.connections).toHaveLength(1);
    expect(screen.getByTestId("room-phase").dataset.phase).toBe("waiting");

    fireEvent.click(within(notice).getByTestId("reconnect-button"));
    await waitFor(() => {
      expect(pageJoins(rooms)).toHaveLength(2);
    });
    expect(pageJoins(rooms)[1]?.data).toEqual({ room: "lobby", since: 1 });
    await waitFor(() => {
      expect(shownUpdates().map(([seq, , text]) => `${String(seq)}:${text}`)).toEqual(["1:one", "2:two"]);
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
    rooms.publish("lobby", ANN, { text: "before" });
    await waitFor(() => {
      expect(shownUpdates()).toHaveLength(1);
    });

    server?.shutDown("Restarting for an update.");
    const restarting = await screen.findByTestId("server-restarting");
    expect(within(restarting).getByTestId("closing-message").textContent).toBe("Restarting for an update.");
    expect(screen.getByTestId("room-phase").dataset.phase).toBe("waiting");
    expect(screen.queryByTestId("reconnect-button")).toBeNull();
    rooms.publish("lobby", ANN, { text: "meanwhile" });

    release("token-me");
    await waitFor(() => {
      expect(pageJoins(rooms)).toHaveLength(2);
    });
    expect(pageJoins(rooms)[1]?.data).toEqual({ room: "lobby", since: 1 });
    await waitFor(() => {
      expect(shownUpdates().map(([seq, , text]) => `${String(seq)}:${text}`)).toEqual(["1:before", "2:meanwhile"]);
    });
    expect(screen.queryByTestId("server-restarting")).toBeNull();
    expect(server?.connections).toHaveLength(2);
  });

  it("shows unavailable as a toast once, and joins when the rooms are back", async () => {
    const { rooms } = await renderPage("/rooms", (fake) => {
      fake.unavailable = true;
    });
    fireEvent.change(screen.getByTestId("room-name-input"), { target: { value: "lobby" } });
    fireEvent.click(screen.getByTestId("room-join-button"));

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

    rooms.unavailable = false;
    await screen.findByTestId("room-joined-name");
    expect(memberEmails()).toEqual([ME.email]);
    expect(screen.getAllByTestId("toast")).toHaveLength(1);
  });

  it("checks the room name before joining, and leaves", async () => {
    const { rooms } = await renderPage();
    fireEvent.change(screen.getByTestId("room-name-input"), { target: { value: "no spaces please" } });
    fireEvent.click(screen.getByTestId("room-join-button"));
    expect(screen.getByTestId("room-name-error").textContent).toContain("1 to 100");
    expect(screen.queryByTestId("room")).toBeNull();

    await joinByForm("team.chat:1");
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
  });

  it("joins once, on one connection, under StrictMode", async () => {
    const { rooms } = await renderPage("/rooms/lobby", () => undefined, true);
    await screen.findByTestId("room-joined-name");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server?.connections).toHaveLength(1);
    expect(pageJoins(rooms).map((join) => join.data)).toEqual([{ room: "lobby" }]);
    expect(memberEmails()).toEqual([ME.email]);
  });

  it("keeps dots-only room names in the address", async () => {
    expect(roomPath("lobby")).toBe("/rooms/lobby");
    await renderPage(roomPath(".."));
    await screen.findByTestId("room-joined-name");
    expect(screen.getByTestId("room-joined-name").textContent).toBe("..");
  });
});
