import { Link } from "react-router";
import { z } from "zod/mini";

import { createRoom, type RoomPublic as Room } from "../api/client";
import { INVALID_ROOM_NAME, isValidRoomName } from "../api/room";
import { useFormMutation } from "../hooks/useFormMutation";
import type { PagedList } from "../hooks/usePagedList";
import { useAuth } from "./auth";
import { Button } from "./Button";
import { FormError } from "./FormMessage";

/** The room's address: its name as one segment of the path (":" needs no escaping there). */
export function roomPath(room: string): string {
  return `/rooms/${encodeURIComponent(room).replace(/%3A/gi, ":")}`;
}

interface RoomListProps {
  list: PagedList<Room>;
  current: string | null;
  /** A click on a room's link (also on the one on show: it then tries it again). */
  onOpen: (name: string) => void;
}

/** The rooms the user may join, each a link to it; `current`, the room on show, marked. */
export function RoomList({ list, current, onOpen }: RoomListProps) {
  const { items: rooms, count, error, loadingMore, reload, loadMore } = list;
  return (
    <section aria-labelledby="room-list-title">
      <div className="flex flex-wrap items-center justify-between gap-2 [&_h2]:mt-1 [&_h2]:mb-2">
        <h2 id="room-list-title">Your rooms</h2>
        <Button
          className="btn-secondary btn-small"
          onClick={reload}
          data-testid="room-list-refresh"
        >
          Refresh
        </Button>
      </div>
      <FormError testId="room-list-error">{error}</FormError>
      {rooms === null && error === null ? <p className="text-muted">Loading…</p> : null}
      {rooms ? (
        <>
          {rooms.length === 0 ? (
            <p className="text-muted" data-testid="room-list-empty">
              None yet.
            </p>
          ) : null}
          <ul className="plain-list mb-3 gap-1.5" data-testid="room-list" data-count={count}>
            {rooms.map((room) => (
              <li
                key={room.name}
                className="flex min-w-0 flex-wrap items-center justify-between gap-x-2 gap-y-1 rounded-md border border-line px-2.5 py-1.5 has-aria-[current=page]:border-accent has-aria-[current=page]:bg-accent-light"
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
                  className="min-w-0 font-semibold wrap-anywhere tap"
                  data-testid="room-link"
                >
                  {room.name}
                </Link>
                <span className="flex min-w-0 flex-wrap items-center gap-1.5 text-sm">
                  <span className={`${room.is_public ? "badge-info" : "badge"} px-2 py-0 text-xs`}>
                    {room.is_public ? "Public" : "Private"}
                  </span>
                  {room.is_owner ? (
                    <span className="badge-ok px-2 py-0 text-xs">Yours</span>
                  ) : (
                    <span className="text-muted wrap-anywhere">by {room.owner.name}</span>
                  )}
                </span>
              </li>
            ))}
          </ul>
          {rooms.length < count ? (
            <Button onClick={loadMore} disabled={loadingMore} data-testid="room-list-more">
              {loadingMore ? "Loading…" : `Show more (${String(count - rooms.length)} left)`}
            </Button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

const newRoomSchema = z.object({
  name: z.string().check(z.trim(), z.refine(isValidRoomName, INVALID_ROOM_NAME)),
  is_public: z.boolean(),
});

export function CreateRoomForm({ onCreated }: { onCreated: (room: Room) => void }) {
  const { client } = useAuth();
  const { form, problem, submitting, onSubmit } = useFormMutation({
    schema: newRoomSchema,
    defaultValues: { name: "", is_public: false },
    send: (body) => createRoom({ client: client.api, body }),
    onSent: (room, { reset }) => {
      reset();
      onCreated(room);
    },
    fallback: "The room could not be made.",
  });

  return (
    <section className="mt-4" aria-labelledby="room-create-title">
      <h2 id="room-create-title">New room</h2>
      <form
        className="my-2 flex flex-wrap items-end gap-x-3 gap-y-2"
        onSubmit={onSubmit}
        noValidate
      >
        <label className="flex min-w-0 flex-[1_1_12rem] flex-col gap-1 font-medium [&>input]:w-full">
          Name
          <input
            {...form.register("name", {
              onChange: () => {
                form.clearErrors("root");
              },
            })}
            placeholder="e.g. team.chat"
            maxLength={100}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={problem !== null}
            data-testid="room-create-name"
          />
        </label>
        <label className="flex items-center gap-2 font-medium">
          <input type="checkbox" {...form.register("is_public")} data-testid="room-create-public" />
          Public (anyone signed in may join)
        </label>
        <button type="submit" disabled={submitting} data-testid="room-create-button">
          {submitting ? "Making…" : "Make room"}
        </button>
      </form>
      <FormError testId="room-create-error">{problem}</FormError>
    </section>
  );
}
