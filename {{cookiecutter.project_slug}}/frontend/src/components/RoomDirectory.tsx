import { type ChangeEvent, type SubmitEvent, useState } from "react";
import { Link } from "react-router";

import type { AuthClient } from "../api/auth";
import { INVALID_ROOM_NAME, isValidRoomName } from "../api/room";
import { createRoom, type Room, roomSegment } from "../api/rooms";
import type { RoomListApi } from "../hooks/useRooms";
import { useSubmit } from "../hooks/useSubmit";
import { FormError } from "./FormMessage";

export { INVALID_ROOM_NAME };

/** The room's address. */
export function roomPath(room: string): string {
  return `/rooms/${roomSegment(room)}`;
}

/** The rooms the user may join, each a link to it. */
export function RoomList({
  list,
  current,
  onOpen,
}: {
  list: RoomListApi;
  /** The room on show, marked in the list. */
  current: string | null;
  /** A click on a room's link (also when it is the one on show: it then tries it again). */
  onOpen: (name: string) => void;
}) {
  const { rooms, count, error, loadingMore, reload, loadMore } = list;
  return (
    <section className="room-directory" aria-labelledby="room-list-title">
      <div className="room-section-header">
        <h2 id="room-list-title">Your rooms</h2>
        <button
          type="button"
          className="secondary small"
          onClick={reload}
          data-testid="room-list-refresh"
        >
          Refresh
        </button>
      </div>
      <FormError testId="room-list-error">{error}</FormError>
      {rooms === null ? (
        error === null ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : (
        <>
          {rooms.length === 0 ? (
            <p className="muted" data-testid="room-list-empty">
              None yet.
            </p>
          ) : null}
          <ul className="room-list" data-testid="room-list" data-count={count}>
            {rooms.map((room: Room) => (
              <li
                key={room.name}
                className={room.name === current ? "room-list-item current" : "room-list-item"}
                data-testid="room-list-item"
                data-room={room.name}
                data-public={String(room.is_public)}
                data-owned={String(room.is_owner)}
              >
                <Link
                  to={roomPath(room.name)}
                  aria-current={room.name === current ? "page" : undefined}
                  onClick={() => {
                    onOpen(room.name);
                  }}
                  data-testid="room-link"
                >
                  {room.name}
                </Link>
                <span className="room-list-tags">
                  <span className={room.is_public ? "badge badge-public" : "badge badge-private"}>
                    {room.is_public ? "Public" : "Private"}
                  </span>
                  {room.is_owner ? (
                    <span className="badge badge-yours">Yours</span>
                  ) : (
                    <span className="muted room-list-owner">by {room.owner.name}</span>
                  )}
                </span>
              </li>
            ))}
          </ul>
          {rooms.length < count ? (
            <button
              type="button"
              className="secondary"
              onClick={loadMore}
              disabled={loadingMore}
              data-testid="room-list-more"
            >
              {loadingMore ? "Loading…" : `Show more (${String(count - rooms.length)} left)`}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}

/** A new room of the user's own; `onCreated` opens it. */
export function CreateRoomForm({
  client,
  onCreated,
}: {
  client: AuthClient;
  onCreated: (room: Room) => void;
}) {
  const [name, setName] = useState("");
  const [isPublic, setIsPublic] = useState(false);
  const { submitting, error, setError, run } = useSubmit("The room could not be made.");

  const onNameChange = (event: ChangeEvent<HTMLInputElement>) => {
    setName(event.target.value);
    setError(null);
  };

  const onPublicChange = (event: ChangeEvent<HTMLInputElement>) => {
    setIsPublic(event.target.checked);
  };

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const wanted = name.trim();
    if (!isValidRoomName(wanted)) {
      setError(INVALID_ROOM_NAME);
      return;
    }
    run(
      () => createRoom(client, wanted, isPublic),
      (room) => {
        setName("");
        setIsPublic(false);
        onCreated(room);
      },
    );
  };

  return (
    <section className="room-create" aria-labelledby="room-create-title">
      <h2 id="room-create-title">New room</h2>
      <form className="room-inline-form" onSubmit={onSubmit} noValidate>
        <label className="room-grow">
          Name
          <input
            value={name}
            onChange={onNameChange}
            placeholder="e.g. team.chat"
            maxLength={100}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={error !== null}
            data-testid="room-create-name"
          />
        </label>
        <label className="room-check">
          <input
            type="checkbox"
            checked={isPublic}
            onChange={onPublicChange}
            data-testid="room-create-public"
          />
          Public (anyone signed in may join)
        </label>
        <button type="submit" disabled={submitting} data-testid="room-create-button">
          {submitting ? "Making…" : "Make room"}
        </button>
      </form>
      <FormError testId="room-create-error">{error}</FormError>
    </section>
  );
}
