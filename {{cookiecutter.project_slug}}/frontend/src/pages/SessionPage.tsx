import { useState } from "react";
import { useLocation } from "react-router";

import type { ErrorCode } from "../api/protocol";
import { type JsonObject, SocketRequestError } from "../api/websocketAPI";
import { Button } from "../components/Button";
import { FormError } from "../components/FormMessage";
import { SocketStatus } from "../components/SocketStatus";
import { type UseSocketSessionOptions, useSocketSession } from "../hooks/useSocketSession";

/*
 * The scaffold's session as a note: `startThings` opens a draft, which the server keeps across
 * connections; `save` stores it and ends the session. The developer section sends any frame.
 */

const NOT_STARTED = "The server could not open a note just now. Try again in a moment.";
const PROBLEMS: Partial<Record<string, string>> = {
  unavailable: "The server is busy. Try again in a moment.",
  rate_limited: "Too many requests in a short time. Wait a moment, then reconnect.",
  message_too_big: "The note is too long to send. Shorten it, then reconnect.",
  unauthorized: "Your sign-in has ended. Log in again to go on.",
} satisfies Partial<Record<ErrorCode, string>>;

/** What to tell a person when the server refused to start or save the note. */
export function noteProblem(error: unknown, doing: "start" | "save"): string {
  if (!(error instanceof SocketRequestError)) {
    return "The connection dropped before the server answered. The page reconnects on its own; then try again.";
  }
  const problem = PROBLEMS[error.code];
  if (problem !== undefined) return problem;
  if (doing === "start") return NOT_STARTED;
  return error.code === "not_allowed"
    ? "This note is no longer open on the server: it was saved or replaced, perhaps in another tab. Start a new note: what you wrote goes into it."
    : "The server could not save the note. Try again in a moment.";
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function timeOf(iso?: unknown): string {
  const date = new Date(typeof iso === "string" ? iso : Date.now());
  const shown = Number.isNaN(date.getTime()) ? new Date() : date;
  return shown.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function SessionPage({ socketOptions }: { socketOptions?: UseSocketSessionOptions }) {
  const [phase, setPhase] = useState<"ready" | "starting" | "drafting" | "saving">("ready");
  const [note, setNote] = useState("");
  const [startedAt, setStartedAt] = useState<string | null>(null);
  const [saved, setSaved] = useState<{ text: string; at: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [frames, setFrames] = useState<{ key: number; state: string; body: string }[]>([]);
  const [rawText, setRawText] = useState('{"state":"ping","data":{"hello":"world"}}');
  const [rawResult, setRawResult] = useState<string | null>(null);

  const socket = useSocketSession({
    ...socketOptions,
    resetKey: useLocation().pathname,
    // Every frame is the developer section's to list; the note follows its requests' answers.
    onOtherMessage: (message) => {
      if (message.state === "initialised") return;
      const body =
        message.state === "error" ? `${message.error} (${message.code})` : pretty(message.data);
      setFrames((current) =>
        [{ key: (current[0]?.key ?? 0) + 1, state: message.state, body }, ...current].slice(0, 100),
      );
    },
  });

  const isOpen = socket.status === "open";
  // A draft the server kept from an earlier connection, offered again.
  const resumed = socket.draft !== null && phase === "ready" && !saved && !socket.saved;
  const drafting = phase === "drafting" || phase === "saving" || resumed;
  const draftSince = startedAt ?? socket.draft?.started_at;
  const canSave = isOpen && drafting && phase !== "saving" && note.trim() !== "";

  const onStart = () => {
    setProblem(null);
    setSaved(null);
    setPhase("starting");
    socket.request("startThings").then(
      () => {
        setStartedAt(new Date().toISOString());
        setPhase("drafting");
      },
      (error: unknown) => {
        setProblem(noteProblem(error, "start"));
        setPhase("ready");
      },
    );
  };

  const onSave = () => {
    const text = note.trim();
    if (!canSave) return;
    setProblem(null);
    setPhase("saving");
    socket.request("save", { content: { note: text } }).then(
      (answer) => {
        const data: JsonObject = answer.state === "save" ? answer.data : {};
        const { content } = data;
        const kept = typeof content === "object" && content !== null && "note" in content;
        setSaved({
          text: kept && typeof content.note === "string" ? content.note : text,
          at: timeOf(data.saved_at),
        });
        setNote("");
        setStartedAt(null);
        setPhase("ready");
      },
      (error: unknown) => {
        setProblem(noteProblem(error, "save"));
        // A note that is gone on the server cannot be saved: it takes a new one.
        const gone = error instanceof SocketRequestError && error.code === "not_allowed";
        setPhase(gone ? "ready" : "drafting");
      },
    );
  };

  const onAnotherNote = () => {
    setSaved(null);
    setProblem(null);
    setFrames([]);
    socket.reconnect();
  };

  const onSendRaw = () => {
    const sent = socket.sendRaw(rawText);
    setRawResult(sent ? "Sent; what comes back is listed below." : "The connection is not open.");
  };

  const devButton = (testId: string, onClick: () => void, label: string) => (
    <Button onClick={onClick} disabled={!isOpen} data-testid={testId}>
      {label}
    </Button>
  );

  const onSendRequest = () => {
    let request: unknown = null;
    try {
      request = JSON.parse(rawText);
    } catch {
      // Not JSON: refused below like any other request without a state.
    }
    if (
      typeof request !== "object" ||
      request === null ||
      !("state" in request) ||
      typeof request.state !== "string"
    ) {
      setRawResult("A request must be a JSON object with a string state.");
      return;
    }
    const data =
      "data" in request && typeof request.data === "object" && request.data !== null
        ? request.data
        : {};
    setRawResult("Waiting for the response…");
    socket.request(request.state, data).then(
      (response) => {
        setRawResult(pretty(response));
      },
      (error: unknown) => {
        if (error instanceof SocketRequestError) setRawResult(pretty(error.response));
        else setRawResult(error instanceof Error ? error.message : String(error));
      },
    );
  };

  let state: string;
  if (saved) {
    state = `Saved at ${saved.at}. Saving ends the session: write another note to start a new one.`;
  } else if (phase === "saving") {
    state = "Saving the note…";
  } else if (phase === "starting") {
    state = "Opening a draft on the server…";
  } else if (drafting && socket.status === "reconnecting") {
    state = "The connection dropped. The server keeps your draft; the page reconnects on its own.";
  } else if (resumed) {
    state = `You started a note${draftSince ? ` at ${timeOf(draftSince)}` : ""} and did not save it: the server kept it as a draft. Write it and save it.`;
  } else if (drafting) {
    state = `Draft open on the server${draftSince ? ` since ${timeOf(draftSince)}` : ""}. Write your note, then save it.`;
  } else if (isOpen) {
    state = "No note open. Start one: the server keeps it as a draft until you save it.";
  } else {
    state = socket.status === "closed" ? "Not connected." : "Connecting to the server…";
  }

  return (
    <section className="card">
      <SocketStatus title="Session" socket={socket} onNewSession={onAnotherNote}>
        A note, written over a live connection. Starting it opens a draft on the server; if the
        connection drops, the draft waits for you. Saving stores the note and ends the session.
      </SocketStatus>

      <p
        className="my-4 font-medium"
        role="status"
        data-testid="note-state"
        data-phase={saved ? "saved" : resumed ? "resumed" : phase}
      >
        {state}
      </p>

      <FormError testId="note-problem">{problem}</FormError>

      {drafting ? (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault();
            onSave();
          }}
        >
          <label htmlFor="note-text">Your note</label>
          <textarea
            id="note-text"
            rows={6}
            className="font-sans text-base"
            value={note}
            onChange={(event) => {
              setNote(event.target.value);
            }}
            maxLength={4000}
            placeholder="What is on your mind?"
          />
          <div className="actions m-0">
            <button type="submit" disabled={!canSave} data-testid="save-button">
              {phase === "saving" ? "Saving…" : "Save the note"}
            </button>
            {isOpen && note.trim() === "" ? (
              <span className="text-muted">Write something to save it.</span>
            ) : null}
          </div>
        </form>
      ) : saved ? (
        <div className="notice-success" data-testid="save-result">
          <p>Your note was saved at {saved.at}:</p>
          <blockquote className="m-0 border-l-3 border-[#abefc6] bg-white px-3 py-2 whitespace-pre-wrap wrap-anywhere">
            {saved.text}
          </blockquote>
        </div>
      ) : (
        <div className="actions">
          <button
            type="button"
            onClick={onStart}
            disabled={!isOpen || phase === "starting"}
            data-testid="start-button"
          >
            Start a note
          </button>
        </div>
      )}

      <details className="mt-6 border-t border-line pt-4" data-testid="dev-section">
        <summary>Developer: the frames</summary>
        {socket.user ? (
          <p className="text-muted" data-testid="session-user">
            Signed in on the socket as {socket.user.email}.
          </p>
        ) : null}
        <p className="text-muted">
          Send any frame: “Send raw” sends the text as it is; “Send as request” parses it, adds an
          id and waits for the response with that id.
        </p>
        <label className="mb-1 block font-medium" htmlFor="dev-frame">
          Frame
        </label>
        <textarea
          id="dev-frame"
          rows={4}
          value={rawText}
          onChange={(event) => {
            setRawText(event.target.value);
          }}
          data-testid="raw-request-input"
          spellCheck={false}
        />
        <div className="actions">
          {devButton("raw-send-button", onSendRaw, "Send raw")}
          {devButton("raw-request-button", onSendRequest, "Send as request")}
        </div>
        {rawResult !== null ? <pre data-testid="raw-request-result">{rawResult}</pre> : null}
        <h2>Frames received</h2>
        <ol className="plain-list gap-2" data-testid="response-output">
          {frames.length === 0 ? <li className="text-muted">None yet.</li> : null}
          {frames.map((entry) => (
            <li key={entry.key} data-testid="response-item" data-state={entry.state}>
              <span
                className={`font-mono text-sm font-semibold ${entry.state === "error" ? "text-error" : ""}`}
              >
                {entry.state}
              </span>
              <pre data-testid="response-data">{entry.body}</pre>
            </li>
          ))}
        </ol>
      </details>
    </section>
  );
}
