import type { ReactNode } from "react";
import { Link } from "react-router";

import type { ConnectionStatus } from "../api/socketSession";
import type { SocketSessionApi } from "../hooks/useSocketSession";
import { Button } from "./Button";

const STATUSES: Record<ConnectionStatus, [label: string, badge: string]> = {
  connecting: ["Connecting…", "badge-wait"],
  authenticating: ["Authenticating…", "badge-wait"],
  open: ["Connected", "badge-ok"],
  reconnecting: ["Reconnecting…", "badge-wait"],
  closed: ["Closed", "badge"],
};

interface SocketStatusProps {
  title: string;
  socket: SocketSessionApi;
  /** What the page is, said under its title. */
  children: ReactNode;
  /** A close after a save is the end of the session: this starts another. */
  onNewSession?: () => void;
}

/** The page's title and the socket's state; then why it stopped, with the way back. */
export function SocketStatus({ title, socket, children, onNewSession }: SocketStatusProps) {
  const { status, retryInMs } = socket;
  const [label, badge] = STATUSES[status];
  return (
    <>
      <div className="flex items-center justify-between gap-4">
        <h1>{title}</h1>
        <span className={badge} data-testid="connection-status" data-status={status} role="status">
          {label}
          {status === "reconnecting" && retryInMs !== null
            ? ` (attempt ${String(socket.reconnectAttempt)}, in ${(retryInMs / 1000).toFixed(1)} s)`
            : ""}
        </span>
      </div>
      <p className="text-muted">{children}</p>
      <SocketNotice socket={socket} onNewSession={onNewSession} />
    </>
  );
}

function SocketNotice({ socket, onNewSession }: Omit<SocketStatusProps, "title" | "children">) {
  const { status, closing, error, reconnect } = socket;
  const action = (testId: string, onClick: () => void, label: string) => (
    <Button data-testid={testId} onClick={onClick}>
      {label}
    </Button>
  );
  const button = action("reconnect-button", reconnect, "Reconnect");
  const message = <p data-testid="closing-message">{closing?.message}</p>;
  if (error) {
    return (
      <div className="notice-error" data-testid="session-error" role="alert">
        <p>{error}</p>
        {socket.errorCode === "unauthenticated" ? <Link to="/login">Log in again</Link> : button}
      </div>
    );
  }
  if (status !== "closed") {
    return closing?.reason === "shutdown" && status !== "open" ? (
      <div className="notice-info" data-testid="server-restarting" role="status">
        <p>The server is restarting; the page reconnects as soon as it is back.</p>
        {message}
      </div>
    ) : null;
  }
  const why = socket.lastClose?.reason;
  const [reason, text] =
    socket.saved && onNewSession
      ? ["saved", "The session ended with the save."]
      : closing?.reason === "idle"
        ? ["idle", "The session was closed for inactivity."]
        : ["closed", `The connection is closed${why ? `: ${why}` : "."}`];
  return (
    <div className="notice" data-testid="socket-closed-notice" data-reason={reason}>
      <p>{text}</p>
      {reason === "idle" ? message : null}
      {onNewSession && reason === "saved"
        ? action("new-session-button", onNewSession, "Write another note")
        : button}
    </div>
  );
}
