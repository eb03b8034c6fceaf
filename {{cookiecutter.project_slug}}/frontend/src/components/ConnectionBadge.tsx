import type { ConnectionStatus } from "../api/socketSession";

const STATUS_LABELS: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  authenticating: "Authenticating…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  closed: "Closed",
};

const STATUS_BADGES: Record<ConnectionStatus, string> = {
  connecting: "badge-wait",
  authenticating: "badge-wait",
  open: "badge-ok",
  reconnecting: "badge-wait",
  closed: "badge",
};

/** The socket's state, with the pending reconnect when there is one. */
export function ConnectionBadge({
  status,
  reconnectAttempt,
  retryInMs,
}: {
  status: ConnectionStatus;
  reconnectAttempt: number;
  retryInMs: number | null;
}) {
  let detail = "";
  if (status === "reconnecting" && retryInMs !== null) {
    detail = ` (attempt ${String(reconnectAttempt)}, in ${(retryInMs / 1000).toFixed(1)} s)`;
  }
  return (
    <span
      className={STATUS_BADGES[status]}
      data-testid="connection-status"
      data-status={status}
      role="status"
    >
      {STATUS_LABELS[status]}
      {detail}
    </span>
  );
}
