import type { ConnectionStatus } from "../api/socketSession";
import type { CloseInfo, ClosingNotice } from "../api/websocketAPI";

/**
 * Why the socket is closed when no error says why (idle, or a plain close), with
 * a way back; or that it is reconnecting because the server is restarting.
 * Errors are SocketErrorNotice's.
 */
export function SocketClosedNotice({
  status,
  closing,
  lastClose,
  reconnect,
}: {
  status: ConnectionStatus;
  closing: ClosingNotice | null;
  lastClose: CloseInfo | null;
  reconnect: () => void;
}) {
  if (status !== "closed") {
    if (closing?.reason !== "shutdown" || status === "open") return null;
    return (
      <div className="notice-info" data-testid="server-restarting" role="status">
        <p>The server is restarting; the page reconnects as soon as it is back.</p>
        <p data-testid="closing-message">{closing.message}</p>
      </div>
    );
  }
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
  if (closing?.reason === "idle") {
    return (
      <div className="notice" data-testid="socket-closed-notice" data-reason="idle">
        <p>The session was closed for inactivity.</p>
        <p data-testid="closing-message">{closing.message}</p>
        {button}
      </div>
    );
  }
  return (
    <div className="notice" data-testid="socket-closed-notice" data-reason="closed">
      <p>The connection is closed{lastClose?.reason ? `: ${lastClose.reason}` : "."}</p>
      {button}
    </div>
  );
}
