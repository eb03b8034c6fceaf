import { Link } from "react-router";

/** Why the socket stopped, with the way back: log in again, or reconnect. */
export function SocketErrorNotice({
  error,
  errorCode,
  reconnect,
}: {
  error: string | null;
  errorCode: string | null;
  reconnect: () => void;
}) {
  if (!error) return null;
  return (
    <div className="notice-error" data-testid="session-error" role="alert">
      <p>{error}</p>
      {errorCode === "unauthenticated" ? (
        <Link to="/login">Log in again</Link>
      ) : (
        <button
          type="button"
          className="btn-secondary"
          data-testid="reconnect-button"
          onClick={reconnect}
        >
          Reconnect
        </button>
      )}
    </div>
  );
}
