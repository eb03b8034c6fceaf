// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";

import { SocketRequestError } from "../api/websocketAPI";
import { ToastProvider } from "../components/toasts";
import type { UseSocketSessionOptions } from "../hooks/useSocketSession";
import { FakeServer, nodeWebSocket, scaffold, type ScaffoldOptions } from "../test/fakeServer";
import { noteProblem, SessionPage } from "./SessionPage";
import "../test/react";

let server: FakeServer | null = null;

afterEach(async () => {
  cleanup();
  await server?.close();
  server = null;
});

async function renderPage(
  options: ScaffoldOptions = {},
  token = "good-token",
  overrides: UseSocketSessionOptions = {},
) {
  server = await FakeServer.start(scaffold(options));
  const socketOptions = {
    url: server.url,
    getToken: () => Promise.resolve(token),
    createWebSocket: nodeWebSocket,
    reconnect: { baseDelayMs: 10 },
    ...overrides,
  };
  render(
    <MemoryRouter initialEntries={["/session"]}>
      <ToastProvider>
        <SessionPage socketOptions={socketOptions} />
      </ToastProvider>
    </MemoryRouter>,
  );
  await waitFor(() => {
    expect(screen.getByTestId("connection-status").dataset.status).not.toBe("connecting");
  });
}

describe("SessionPage", () => {
  it("starts a note, keeps Save off until there is text, saves it and says the session ended", async () => {
    await renderPage();
    const status = screen.getByTestId("connection-status");
    await waitFor(() => {
      expect(status.dataset.status).toBe("open");
    });
    expect(status.textContent).toBe("Connected");
    const state = screen.getByTestId("note-state");
    expect(state.textContent).toBe(
      "No note open. Start one: the server keeps it as a draft until you save it.",
    );
    expect(screen.queryByRole("button", { name: "Save the note" })).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "Start a note" }));
    const save = await screen.findByRole("button", { name: "Save the note" });
    expect(state.textContent).toContain("Draft open on the server since");
    expect((save as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("Write something to save it.")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Your note"), { target: { value: "   " } });
    expect((save as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText("Your note"), { target: { value: " Buy milk. " } });
    expect((save as HTMLButtonElement).disabled).toBe(false);

    fireEvent.click(save);
    await waitFor(() => {
      expect(screen.getByTestId("save-result").textContent).toContain("Buy milk.");
    });
    expect(state.textContent).toMatch(/^Saved at .*write another note to start a new one\.$/);
    const sent = server?.connections[0]?.received.find(
      (f) => typeof f === "object" && f.state === "save",
    );
    expect(sent).toMatchObject({ state: "save", data: { content: { note: "Buy milk." } } });
    await waitFor(() => {
      expect(status.dataset.status).toBe("closed");
    });
    const closed = screen.getByTestId("socket-closed-notice");
    expect(closed.dataset.reason).toBe("saved");
    expect(closed.textContent).toContain("The session ended with the save.");
    expect(server?.connections).toHaveLength(1);

    fireEvent.click(within(closed).getByRole("button", { name: "Write another note" }));
    await waitFor(() => {
      expect(state.textContent).toBe(
        "No note open. Start one: the server keeps it as a draft until you save it.",
      );
    });
    expect(screen.queryByTestId("save-result")).toBeNull();
    expect(server?.connections).toHaveLength(2);
  });

  it("offers the draft the server kept, to write and save", async () => {
    await renderPage({ draft: { something: "half done" } });
    const state = await screen.findByText(/and did not save it: the server kept it as a draft/);
    expect(state.dataset.phase).toBe("resumed");
    expect(screen.queryByRole("button", { name: "Start a note" })).toBeNull();
    fireEvent.change(screen.getByLabelText("Your note"), { target: { value: "Finished now." } });
    fireEvent.click(screen.getByRole("button", { name: "Save the note" }));
    await waitFor(() => {
      expect(screen.getByTestId("save-result").textContent).toContain("Finished now.");
    });
  });

  it("says what went wrong in words, never in the protocol's names", () => {
    const refusal = (code: string) =>
      new SocketRequestError({
        state: "error",
        error: "Start a session before saving it (startThings).",
        code,
      });
    const codes = [
      "not_allowed",
      "unavailable",
      "rate_limited",
      "message_too_big",
      "unauthorized",
      "invalid_data",
      "internal",
    ];
    const said = [
      ...codes.flatMap((code) => [
        noteProblem(refusal(code), "start"),
        noteProblem(refusal(code), "save"),
      ]),
      noteProblem(new Error("The connection closed."), "save"),
    ];
    for (const text of said) {
      expect(text).toMatch(/^[A-Z].*\.$/);
      // No state or code of the protocol, no JSON.
      expect(text).not.toMatch(/startThings|[_{}]/);
    }
    expect(noteProblem(refusal("not_allowed"), "save")).toContain("no longer open on the server");
  });

  it("lists the server's refusal of a raw frame in the developer section, not on the note", async () => {
    await renderPage();
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    fireEvent.change(screen.getByLabelText("Frame"), { target: { value: "{broken" } });
    fireEvent.click(screen.getByRole("button", { name: "Send raw" }));
    const output = screen.getByTestId("response-output");
    await waitFor(() => {
      expect(within(output).getAllByTestId("response-item")[0]?.dataset.state).toBe("error");
    });
    expect(output.textContent).toContain("The message is not valid JSON. (invalid_json)");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
  });

  it("sends a request with an id from the developer section and shows its response", async () => {
    await renderPage();
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    fireEvent.change(screen.getByTestId("raw-request-input"), {
      target: { value: JSON.stringify({ state: "ping", data: { n: 42 } }) },
    });
    fireEvent.click(screen.getByTestId("raw-request-button"));
    await waitFor(() => {
      expect(screen.getByTestId("raw-request-result").textContent).toContain('"state": "pong"');
    });
    expect(screen.getByTestId("raw-request-result").textContent).toContain('"n": 42');
    const sent = server?.connections[0]?.received.find(
      (f) => typeof f === "object" && f.state === "ping",
    );
    expect(sent).toMatchObject({
      state: "ping",
      data: { n: 42 },
      id: expect.any(String) as unknown,
    });
  });

  it("shows the refusal when the token is rejected (1008) and does not reconnect", async () => {
    await renderPage({}, "stale-token");
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("closed");
    });
    expect(screen.getByTestId("session-error").textContent).toContain(
      "Could not validate credentials.",
    );
    expect(screen.getByTestId("reconnect-button")).toBeTruthy();
    expect(server?.connections).toHaveLength(1);
  });

  it("says the session was closed for inactivity, with the server's message, and reconnects on the button only", async () => {
    const options: ScaffoldOptions = { idleTimeoutMs: 100 };
    await renderPage(options);
    const notice = await screen.findByTestId("socket-closed-notice");
    expect(notice.dataset.reason).toBe("idle");
    expect(notice.textContent).toContain("closed for inactivity");
    expect(within(notice).getByTestId("closing-message").textContent).toBe(
      "Closed after a while without any message.",
    );
    expect(screen.getByTestId("connection-status").dataset.status).toBe("closed");
    expect(screen.queryByTestId("session-error")).toBeNull();
    await sleep(100);
    expect(server?.connections).toHaveLength(1);

    delete options.idleTimeoutMs;
    fireEvent.click(within(notice).getByTestId("reconnect-button"));
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    expect(screen.queryByTestId("socket-closed-notice")).toBeNull();
    expect(server?.connections).toHaveLength(2);
  });

  it("says the server is restarting, reconnects on its own and shows the draft it kept", async () => {
    // The second connection's token waits for the test, so the page is seen between the two.
    let release: (token: string) => void = () => undefined;
    const held = new Promise<string>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const getToken = () => (++calls === 1 ? Promise.resolve("good-token") : held);
    await renderPage({}, "good-token", { getToken });
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    fireEvent.click(screen.getByRole("button", { name: "Start a note" }));
    fireEvent.change(await screen.findByLabelText("Your note"), {
      target: { value: "Kept across the restart." },
    });

    server?.shutDown("Restarting for an update; back in a moment.");
    const restarting = await screen.findByTestId("server-restarting");
    expect(restarting.textContent).toContain("The server is restarting");
    expect(within(restarting).getByTestId("closing-message").textContent).toBe(
      "Restarting for an update; back in a moment.",
    );
    expect(screen.getByTestId("connection-status").dataset.status).not.toBe("closed");
    expect(screen.queryByTestId("reconnect-button")).toBeNull();

    release("good-token");
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    expect(screen.queryByTestId("server-restarting")).toBeNull();
    expect(screen.getByTestId("note-state").textContent).toContain("Draft open on the server");
    expect(screen.getByLabelText<HTMLTextAreaElement>("Your note").value).toBe(
      "Kept across the restart.",
    );
    expect(server?.connections).toHaveLength(2);
    // The server kept the draft: the new connection saves it.
    fireEvent.click(screen.getByRole("button", { name: "Save the note" }));
    await waitFor(() => {
      expect(screen.getByTestId("save-result").textContent).toContain("Kept across the restart.");
    });
  });

  it("shows message_too_big with the server's message, does not reconnect, and reconnects by hand", async () => {
    await renderPage({ maxMessageBytes: 200 });
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    fireEvent.change(screen.getByTestId("raw-request-input"), {
      target: { value: JSON.stringify({ state: "ping", data: { text: "x".repeat(300) } }) },
    });
    fireEvent.click(screen.getByTestId("raw-send-button"));
    const error = await screen.findByTestId("session-error");
    expect(error.textContent).toContain("The message is too big.");
    expect(screen.getByTestId("connection-status").dataset.status).toBe("closed");
    await sleep(100);
    expect(server?.connections).toHaveLength(1);

    fireEvent.click(within(error).getByTestId("reconnect-button"));
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    expect(screen.queryByTestId("session-error")).toBeNull();
    expect(server?.connections).toHaveLength(2);
  });

  it("shows rate_limited with the server's message and does not reconnect", async () => {
    // The token and two frames are allowed; the third is one too many.
    await renderPage({ maxFrames: 3 });
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    for (let i = 0; i < 3; i++) fireEvent.click(screen.getByRole("button", { name: "Send raw" }));
    const error = await screen.findByTestId("session-error");
    expect(error.textContent).toContain("Too many messages; slow down.");
    expect(within(error).getByTestId("reconnect-button")).toBeTruthy();
    expect(screen.getByTestId("connection-status").dataset.status).toBe("closed");
    await sleep(100);
    expect(server?.connections).toHaveLength(1);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
