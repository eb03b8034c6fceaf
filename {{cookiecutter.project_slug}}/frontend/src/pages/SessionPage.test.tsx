// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";

import { ToastProvider } from "../components/toasts";
import type { UseSocketSessionOptions } from "../hooks/useSocketSession";
import { FakeServer, nodeWebSocket, scaffold, type ScaffoldOptions } from "../test/fakeServer";
import { SessionPage } from "./SessionPage";
import "../test/react";

let server: FakeServer | null = null;

afterEach(async () => {
  cleanup();
  await server?.close();
  server = null;
});

async function renderPage(options: ScaffoldOptions = {}, token = "good-token", overrides: UseSocketSessionOptions = {}) {
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
  it("starts, shows each response's data, saves and says the socket is closed", async () => {
    await renderPage();
    const status = screen.getByTestId("connection-status");
    await waitFor(() => {
      expect(status.dataset.status).toBe("open");
    });
    expect(status.textContent).toBe("Connected");
    expect(screen.getByTestId("session-user").textContent).toContain("user@example.com");
    expect(screen.queryByTestId("draft-notice")).toBeNull();

    fireEvent.click(screen.getByTestId("start-button"));
    const output = screen.getByTestId("response-output");
    await waitFor(() => {
      expect(within(output).getAllByTestId("response-item")[0]?.dataset.state).toBe("startThings");
    });
    expect(output.textContent).toContain("yes, something");

    fireEvent.click(screen.getByTestId("save-button"));
    await waitFor(() => {
      expect(screen.getByTestId("save-result").textContent).toContain('"saved": true');
    });
    await waitFor(() => {
      expect(status.dataset.status).toBe("closed");
    });
    const closed = screen.getByTestId("socket-closed-notice");
    expect(closed.dataset.reason).toBe("saved");
    expect(closed.textContent).toContain("closed");
    expect(screen.getByTestId<HTMLButtonElement>("start-button").disabled).toBe(true);
    expect(server?.connections).toHaveLength(1);
  });

  it("shows a resumed draft", async () => {
    await renderPage({ draft: { something: "half done" } });
    const notice = await screen.findByTestId("draft-notice");
    expect(notice.textContent).toContain("Resumed");
    expect(screen.getByTestId("draft-data").textContent).toContain("half done");
  });

  it("shows the server's error message as a toast", async () => {
    await renderPage();
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    // Save before start is not allowed.
    fireEvent.click(screen.getByTestId("save-button"));
    const toast = await screen.findByTestId("toast");
    expect(toast.dataset.kind).toBe("error");
    expect(toast.textContent).toContain("Start the session before saving it.");

    // A raw invalid frame from the developer section.
    fireEvent.change(screen.getByTestId("raw-request-input"), { target: { value: "{broken" } });
    fireEvent.click(screen.getByTestId("raw-send-button"));
    await waitFor(() => {
      expect(screen.getAllByTestId("toast").map((t) => t.textContent)).toContainEqual(
        expect.stringContaining("The message is not valid JSON."),
      );
    });
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
    const sent = server?.connections[0]?.received.find((f) => typeof f === "object" && f.state === "ping");
    expect(sent).toMatchObject({ state: "ping", data: { n: 42 }, id: expect.any(String) as unknown });
  });

  it("shows the refusal when the token is rejected (1008) and does not reconnect", async () => {
    await renderPage({}, "stale-token");
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("closed");
    });
    expect(screen.getByTestId("session-error").textContent).toContain("Could not validate credentials.");
    expect(screen.getByTestId("reconnect-button")).toBeTruthy();
    expect(server?.connections).toHaveLength(1);
  });

  it("says the session was closed for inactivity, with the server's message, and reconnects on the button only", async () => {
    const options: ScaffoldOptions = { idleTimeoutMs: 100 };
    await renderPage(options);
    const notice = await screen.findByTestId("socket-closed-notice");
    expect(notice.dataset.reason).toBe("idle");
    expect(notice.textContent).toContain("closed for inactivity");
    expect(within(notice).getByTestId("closing-message").textContent).toBe("Closed after a while without any message.");
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
    fireEvent.click(screen.getByTestId("start-button"));
    await waitFor(() => {
      expect(within(screen.getByTestId("response-output")).getAllByTestId("response-item")[0]?.dataset.state).toBe(
        "startThings",
      );
    });
    expect(screen.queryByTestId("draft-notice")).toBeNull();

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
    expect(screen.getByTestId("draft-data").textContent).toContain("yes, something");
    expect(server?.connections).toHaveLength(2);
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
    // The token and two starts are allowed; the third start is one too many.
    await renderPage({ maxFrames: 3 });
    await waitFor(() => {
      expect(screen.getByTestId("connection-status").dataset.status).toBe("open");
    });
    for (let i = 0; i < 3; i++) fireEvent.click(screen.getByTestId("start-button"));
    const error = await screen.findByTestId("session-error");
    expect(error.textContent).toContain("Too many messages; slow down.");
    expect(within(error).getByTestId("reconnect-button")).toBeTruthy();
    expect(screen.getByTestId("connection-status").dataset.status).toBe("closed");
    await sleep(100);
    expect(server?.connections).toHaveLength(1);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
