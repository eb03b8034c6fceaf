import type { ReactNode } from "react";
import { Link } from "react-router";

import type { ConnectionStatus } from "../api/socketSession";
import type { SocketSessionApi } from "../hooks/useSocketSession";

const STATUSES: Record<ConnectionStatus, [label: string, badge: string]> = {
  connecting: ["Connecting…", "badge-wait"],
  authenticating: ["Authenticating…", "badge-wait"],
  open: ["Connected", "badge-ok"],
  reconnecting: ["Reconnecting…", "badge-wait"],
  closed: ["Closed", "badge"],
};

/** The page's title, with the socket's state and the pending reconnect when there is one. */
export function SocketHeader({ title, socket }: { title: string; socket: SocketSessionApi }) {
  const { status, retryInMs } = socket;
  const [label, badge] = STATUSES[status];
  return (
    <div className="flex items-center justify-between gap-4">
      <h1>{title}</h1>
      <span className={badge} data-testid="connection-status" data-status={status} role="status">
        {label}
        {status === "reconnecting" && retryInMs !== null
          ? ` (attempt ${String(socket.reconnectAttempt)}, in ${(retryInMs / 1000).toFixed(1)} s)`
          : ""}
      </span>
    </div>
  );
}

/**
 * Why the socket stopped, with the way back (log in again, or reconnect); or that it reconnects
 * because the server is restarting. `saved` stands in for the notice of a close after a save.
 */
export function SocketNotice({ socket, saved }: { socket: SocketSessionApi; saved?: ReactNode }) {
  const { status, closing, error, reconnect } = socket;
  const button = (
    <button
      type="button"
      className="btn-secondary"
      data-testid="reconnect-button"
      onClick={reconnect}
    >
      Reconnect
    </button>
  );
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
  if (socket.saved && saved) return saved;
  const idle = closing?.reason === "idle";
  const reason = socket.lastClose?.reason;
  return (
    <div
      className="notice"
      data-testid="socket-closed-notice"
      data-reason={idle ? "idle" : "closed"}
    >
      <p>
        {idle
          ? "The session was closed for inactivity."
          : `The connection is closed${reason ? `: ${reason}` : "."}`}
      </p>
      {idle ? message : null}
      {button}
    </div>
  );
}
