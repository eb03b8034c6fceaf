import { type ChangeEvent, type SubmitEvent, useEffect, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";

import { isValidRoomName, type RoomPhase, type RoomUpdate } from "../api/room";
import { type JsonObject, SocketRequestError } from "../api/websocketAPI";
import { ConnectionBadge } from "../components/ConnectionBadge";
import { SocketClosedNotice } from "../components/SocketClosedNotice";
import { SocketErrorNotice } from "../components/SocketErrorNotice";
import { useToast } from "../components/toasts";
import { type UseRoomOptions, useRoom } from "../hooks/useRoom";

const INVALID_NAME = "A room name is 1 to 100 letters, digits, or _ . : - (no spaces).";
/** Well under the server's frame limit (WS_MAX_MESSAGE_BYTES, 64 KiB by default). */
const MAX_MESSAGE_LENGTH = 4000;

const PHASE_LABELS: Record<RoomPhase, string> = {
  idle: "Not in a room",
  waiting: "Waiting for the connection…",
  joining: "Joining…",
  joined: "Joined",
  leaving: "Leaving…",
};

/** The room's address; "." and ".." are spelled out so that they stay a name, not a path step. */
export function roomPath(room: string): string {
  const segment = /^\.+$/.test(room) ? room.replace(/\./g, "%2E") : encodeURIComponent(room);
  return `/rooms/${segment}`;
}

function payloadText(payload: JsonObject): string {
  return typeof payload.text === "string" ? payload.text : JSON.stringify(payload);
}

export function RoomsPage({ roomOptions }: { roomOptions?: Omit<UseRoomOptions, "onError"> }) {
  const params = useParams();
  const routeRoom = params.room;
  const navigate = useNavigate();
  const toast = useToast();
  const [name, setName] = useState(routeRoom ?? "");
  const [nameError, setNameError] = useState<string | null>(null);
  const [text, setText] = useState("");
  const updatesRef = useRef<HTMLOListElement>(null);

  const room = useRoom({
    ...roomOptions,
    onError: (error) => {
      toast.show(error.message, "error");
    },
  });
  const { socket, join, leave } = room;

  // The address says which room to be in.
  useEffect(() => {
    if (routeRoom === undefined) leave();
    else if (isValidRoomName(routeRoom)) join(routeRoom);
  }, [routeRoom, join, leave]);
  const shownNameError = nameError ?? (routeRoom !== undefined && !isValidRoomName(routeRoom) ? INVALID_NAME : null);

  // Keep the newest update in view.
  const updateCount = room.updates.length;
  useEffect(() => {
    const list = updatesRef.current;
    if (list && updateCount > 0) list.scrollTop = list.scrollHeight;
  }, [updateCount, room.room]);

  const onNameChange = (event: ChangeEvent<HTMLInputElement>) => {
    setName(event.target.value);
    setNameError(null);
  };

  const onJoin = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const wanted = name.trim();
    if (!isValidRoomName(wanted)) {
      setNameError(INVALID_NAME);
      return;
    }
    setNameError(null);
    join(wanted);
    if (routeRoom !== wanted) void navigate(roomPath(wanted));
  };

  const onLeave = () => {
    leave();
    if (routeRoom !== undefined) void navigate("/rooms");
  };

  const onTextChange = (event: ChangeEvent<HTMLInputElement>) => {
    setText(event.target.value);
  };

  const joined = room.phase === "joined" && socket.status === "open";

  const onPublish = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const sent = text;
    if (sent.trim() === "" || !joined) return;
    room
      .publish({ text: sent })
      .then(() => {
        setText((current) => (current === sent ? "" : current));
      })
      .catch((error: unknown) => {
        if (error instanceof SocketRequestError) toast.show(error.message, "error");
        else toast.show("The server did not confirm the message; the connection may have dropped.", "error");
      });
  };

  return (
    <section className="card">
      <div className="session-header">
        <h1>Rooms</h1>
        <ConnectionBadge status={socket.status} reconnectAttempt={socket.reconnectAttempt} retryInMs={socket.retryInMs} />
      </div>
      <p className="muted">
        Everyone in a room sees what its members publish, in order. If the connection drops, the page joins again and
        catches up on what it missed.
      </p>

      <SocketErrorNotice error={socket.error} errorCode={socket.errorCode} reconnect={socket.reconnect} />

      {socket.error === null ? (
        <SocketClosedNotice
          status={socket.status}
          closing={socket.closing}
          lastClose={socket.lastClose}
          reconnect={socket.reconnect}
        />
      ) : null}

      <form className="room-join" onSubmit={onJoin} noValidate>
        <label>
          Room
          <input
            value={name}
            onChange={onNameChange}
            placeholder="e.g. lobby"
            maxLength={100}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={shownNameError !== null}
            data-testid="room-name-input"
          />
        </label>
        <button type="submit" data-testid="room-join-button">
          Join
        </button>
      </form>
      {shownNameError ? (
        <p className="form-error" data-testid="room-name-error" role="alert">
          {shownNameError}
        </p>
      ) : null}

      {room.room !== null ? (
        <div className="room" data-testid="room" data-room={room.room} data-phase={room.phase}>
          <div className="room-header">
            <h2>
              {room.phase === "joined" ? (
                <span data-testid="room-joined-name">{room.room}</span>
              ) : (
                <span className="muted">{room.room}</span>
              )}
            </h2>
            <span className={`badge badge-room-${room.phase}`} data-testid="room-phase" data-phase={room.phase}>
              {room.phase === "waiting" && room.retryInMs !== null
                ? `Unavailable; trying again in ${(room.retryInMs / 1000).toFixed(1)} s`
                : PHASE_LABELS[room.phase]}
            </span>
            <button
              type="button"
              className="secondary"
              onClick={onLeave}
              disabled={room.phase === "leaving"}
              data-testid="room-leave-button"
            >
              Leave
            </button>
          </div>

          {room.restarted ? (
            <div className="notice notice-info" data-testid="room-restarted">
              <p>The room started over on the server; earlier updates are no longer shown.</p>
            </div>
          ) : null}
          {room.missedUpdates ? (
            <div className="notice notice-info" data-testid="room-missed-updates">
              <p>Some updates from while you were away were no longer kept by the server.</p>
            </div>
          ) : null}

          <div className="room-body">
            <div className="room-members-panel">
              <h3>Members</h3>
              <ul className="room-members" data-testid="room-members" data-count={room.members.length}>
                {room.members.map((member) => (
                  <li key={member.id} data-testid="room-member" data-email={member.email}>
                    {member.email}
                    {socket.user?.id === member.id ? (
                      <span className="muted"> (you)</span>
                    ) : null}
                  </li>
                ))}
              </ul>
              {room.members.length === 0 ? <p className="muted">—</p> : null}
            </div>

            <div className="room-updates-panel">
              <h3>Updates</h3>
              <ol
                className="room-updates"
                data-testid="room-updates"
                data-last-seq={room.lastSeq ?? ""}
                aria-live="polite"
                ref={updatesRef}
              >
                {room.updates.length === 0 ? <li className="muted">Nothing yet.</li> : null}
                {room.updates.map((update: RoomUpdate) => (
                  <li
                    key={update.seq}
                    className="room-update"
                    data-testid="room-update"
                    data-seq={update.seq}
                    data-sender={update.sender.email}
                  >
                    <span className="room-update-seq" data-testid="room-update-seq">
                      #{update.seq}
                    </span>
                    <span className="room-update-sender" data-testid="room-update-sender">
                      {update.sender.email}
                    </span>
                    <span className="room-update-text" data-testid="room-update-text">
                      {payloadText(update.payload)}
                    </span>
                  </li>
                ))}
              </ol>
            </div>
          </div>

          <form className="room-publish" onSubmit={onPublish}>
            <input
              value={text}
              onChange={onTextChange}
              placeholder={joined ? "Write a message" : "Join the room to publish"}
              maxLength={MAX_MESSAGE_LENGTH}
              disabled={!joined}
              autoComplete="off"
              aria-label="Message"
              data-testid="room-publish-input"
            />
            <button type="submit" disabled={!joined || text.trim() === ""} data-testid="room-publish-button">
              Publish
            </button>
          </form>
        </div>
      ) : null}
    </section>
  );
}
