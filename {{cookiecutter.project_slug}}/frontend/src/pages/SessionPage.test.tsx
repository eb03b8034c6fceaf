// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it } from "vitest";

import { ToastProvider } from "../components/toasts";
import { FakeServer, nodeWebSocket, scaffold, type ScaffoldOptions } from "../test/fakeServer";
import { SessionPage } from "./SessionPage";
import "../test/react";

let server: FakeServer | null = null;

afterEach(async () => {
  cleanup();
  await server?.close();
  server = null;
});

async function renderPage(options: ScaffoldOptions = {}, token = "good-token") {
  server = await FakeServer.start(scaffold(options));
  const socketOptions = {
    url: server.url,
    getToken: () => Promise.resolve(token),
    createWebSocket: nodeWebSocket,
    reconnect: { baseDelayMs: 10 },
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
});
