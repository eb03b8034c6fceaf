import { type ChangeEvent, useState } from "react";
import { useLocation } from "react-router";

import { type JsonObject, type ServerMessage, SocketRequestError } from "../api/websocketAPI";
import { ConnectionBadge } from "../components/ConnectionBadge";
import { SocketClosedNotice } from "../components/SocketClosedNotice";
import { SocketErrorNotice } from "../components/SocketErrorNotice";
import { useToast } from "../components/toasts";
import { type UseSocketSessionOptions, useSocketSession } from "../hooks/useSocketSession";

interface LogEntry {
  key: number;
  state: string;
  body: string;
}

const MAX_LOG_ENTRIES = 100;

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function describeMessage(message: ServerMessage): string {
  if (message.state === "error") return `${message.error} (${message.code})`;
  return pretty(message.data);
}

export function SessionPage({ socketOptions }: { socketOptions?: UseSocketSessionOptions }) {
  const location = useLocation();
  const toast = useToast();
  const [log, setLog] = useState<LogEntry[]>([]);
  const [saveResult, setSaveResult] = useState<JsonObject | null>(null);
  const [rawText, setRawText] = useState(JSON.stringify({ state: "ping", data: { hello: "world" } }));
  const [rawResult, setRawResult] = useState<string | null>(null);

  const append = (message: ServerMessage) => {
    setLog((current) => {
      const key = (current[0]?.key ?? 0) + 1;
      const entry = { key, state: message.state, body: describeMessage(message) };
      return [entry, ...current].slice(0, MAX_LOG_ENTRIES);
    });
  };

  const socket = useSocketSession({
    ...socketOptions,
    resetKey: location.pathname,
    handlers: {
      startThings: (message) => {
        setSaveResult(null);
        append(message);
      },
      save: (message) => {
        setSaveResult(message.data);
        append(message);
      },
      error: (message) => {
        toast.show(message.error, "error");
        append(message);
      },
    },
    onOtherMessage: (message) => {
      if (message.state !== "initialised") append(message);
    },
  });

  const isOpen = socket.status === "open";
  const savedAndClosed = socket.status === "closed" && socket.saved;

  const sendOrWarn = (state: string) => {
    if (!socket.send(state)) toast.show("The connection is not open.", "error");
  };

  const onStart = () => {
    setSaveResult(null);
    sendOrWarn("startThings");
  };

  const onSave = () => {
    sendOrWarn("save");
  };

  const onRawTextChange = (event: ChangeEvent<HTMLTextAreaElement>) => {
    setRawText(event.target.value);
  };

  const onNewSession = () => {
    setSaveResult(null);
    setLog([]);
    socket.reconnect();
  };

  const onSendRaw = () => {
    if (!socket.sendRaw(rawText)) toast.show("The connection is not open.", "error");
  };

  const onSendRequest = () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawText);
    } catch {
      toast.show("A request must be a JSON object with a string state.", "error");
      return;
    }
    if (typeof parsed !== "object" || parsed === null || !("state" in parsed) || typeof parsed.state !== "string") {
      toast.show("A request must be a JSON object with a string state.", "error");
      return;
    }
    const data = "data" in parsed && typeof parsed.data === "object" && parsed.data !== null ? parsed.data : {};
    setRawResult("Waiting for the response…");
    socket
      .request(parsed.state, data as JsonObject)
      .then((response) => {
        setRawResult(pretty(response));
      })
      .catch((error: unknown) => {
        if (error instanceof SocketRequestError) setRawResult(pretty(error.response));
        else setRawResult(error instanceof Error ? error.message : String(error));
      });
  };


  return (
    <section className="card">
      <div className="session-header">
        <h1>Session</h1>
        <ConnectionBadge status={socket.status} reconnectAttempt={socket.reconnectAttempt} retryInMs={socket.retryInMs} />
      </div>

      {socket.user ? (
        <p className="muted" data-testid="session-user">
          Signed in on the socket as {socket.user.email}
        </p>
      ) : null}

      <SocketErrorNotice error={socket.error} errorCode={socket.errorCode} reconnect={socket.reconnect} />

      {socket.draft && !socket.saved ? (
        <div className="notice notice-info" data-testid="draft-notice">
          <p>Resumed an unsaved session from a draft.</p>
          <pre data-testid="draft-data">{pretty(socket.draft)}</pre>
        </div>
      ) : null}

      <div className="actions">
        <button type="button" onClick={onStart} disabled={!isOpen} data-testid="start-button">
          Start
        </button>
        <button
          type="button"
          onClick={onSave}
          disabled={!isOpen}
          data-testid="save-button"
        >
          Save
        </button>
      </div>

      {saveResult ? (
        <div className="notice notice-success" data-testid="save-result">
          <p>Session saved.</p>
          <pre>{pretty(saveResult)}</pre>
        </div>
      ) : null}

      {savedAndClosed ? (
        <div className="notice" data-testid="socket-closed-notice" data-reason="saved">
          <p>The connection is closed after saving.</p>
          <button type="button" className="secondary" data-testid="new-session-button" onClick={onNewSession}>
            Start a new session
          </button>
        </div>
      ) : null}

      {!savedAndClosed && socket.error === null ? (
        <SocketClosedNotice
          status={socket.status}
          closing={socket.closing}
          lastClose={socket.lastClose}
          reconnect={socket.reconnect}
        />
      ) : null}

      <h2>Responses</h2>
      <ol className="log" data-testid="response-output" aria-live="polite">
        {log.length === 0 ? <li className="muted">Nothing yet.</li> : null}
        {log.map((entry) => (
          <li key={entry.key} data-testid="response-item" data-state={entry.state}>
            <span className={`state state-${entry.state === "error" ? "error" : "ok"}`}>{entry.state}</span>
            <pre data-testid="response-data">{entry.body}</pre>
          </li>
        ))}
      </ol>

      <details className="dev" data-testid="dev-section">
        <summary>Developer</summary>
        <p className="muted">
          Send any frame: “Send raw” sends the text as it is; “Send as request” parses it, adds an id and waits for
          the response with that id.
        </p>
        <textarea
          rows={4}
          value={rawText}
          onChange={onRawTextChange}
          data-testid="raw-request-input"
          spellCheck={false}
        />
        <div className="actions">
          <button type="button" className="secondary" onClick={onSendRaw} disabled={!isOpen} data-testid="raw-send-button">
            Send raw
          </button>
          <button
            type="button"
            className="secondary"
            onClick={onSendRequest}
            disabled={!isOpen}
            data-testid="raw-request-button"
          >
            Send as request
          </button>
        </div>
        {rawResult !== null ? <pre data-testid="raw-request-result">{rawResult}</pre> : null}
      </details>
    </section>
  );
}
