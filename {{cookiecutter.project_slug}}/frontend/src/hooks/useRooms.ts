import { useCallback, useEffect, useState } from "react";

import { ApiError, type AuthClient, errorMessage } from "../api/auth";
import { getRoom, listRooms, type Room, type RoomDetail } from "../api/rooms";

export interface RoomListApi {
  /** The rooms loaded so far, newest first; null until the first answer. */
  rooms: Room[] | null;
  /** How many rooms the user may join in all. */
  count: number;
  error: string | null;
  loadingMore: boolean;
  /** Loads the first page again (after a room was made, deleted or left). */
  reload: () => void;
  /** Appends the next page. */
  loadMore: () => void;
}

/** The rooms the user may join (GET /rooms), reloaded on demand. */
export function useRoomList(client: AuthClient): RoomListApi {
  const [version, setVersion] = useState(0);
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [count, setCount] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    let active = true;
    listRooms(client).then(
      (list) => {
        if (!active) return;
        setRooms(list.data);
        setCount(list.count);
        setError(null);
      },
      (err: unknown) => {
        if (active) setError(errorMessage(err, "The rooms could not be loaded."));
      },
    );
    return () => {
      active = false;
    };
  }, [client, version]);

  const reload = useCallback(() => {
    setVersion((current) => current + 1);
  }, []);

  const loaded = rooms?.length ?? 0;
  const loadMore = useCallback(() => {
    setLoadingMore(true);
    listRooms(client, loaded)
      .then(
        (list) => {
          setRooms((current) => {
            const known = new Set((current ?? []).map((room) => room.name));
            return [...(current ?? []), ...list.data.filter((room) => !known.has(room.name))];
          });
          setCount(list.count);
          setError(null);
        },
        (err: unknown) => {
          setError(errorMessage(err, "The rooms could not be loaded."));
        },
      )
      .finally(() => {
        setLoadingMore(false);
      });
  }, [client, loaded]);

  return { rooms, count, error, loadingMore, reload, loadMore };
}

export interface RoomDetailApi {
  /** The room with the people let in; null while loading, or when the user may not join it. */
  detail: RoomDetail | null;
  /** Why it could not be loaded, other than its not being there for the user (404). */
  error: string | null;
  reload: () => void;
  /** Takes an answer that changed the room (e.g. PATCH) without asking again. */
  update: (room: Room) => void;
}

interface Loaded {
  name: string;
  detail: RoomDetail | null;
  error: string | null;
}

/** One room's details (GET /rooms/{name}), for `name`; nothing for null. */
export function useRoomDetail(client: AuthClient, name: string | null): RoomDetailApi {
  const [version, setVersion] = useState(0);
  const [loaded, setLoaded] = useState<Loaded | null>(null);

  useEffect(() => {
    if (name === null) return;
    let active = true;
    getRoom(client, name).then(
      (detail) => {
        if (active) setLoaded({ name, detail, error: null });
      },
      (err: unknown) => {
        if (!active) return;
        const missing = err instanceof ApiError && err.status === 404;
        setLoaded({
          name,
          detail: null,
          error: missing ? null : errorMessage(err, "The room could not be loaded."),
        });
      },
    );
    return () => {
      active = false;
    };
  }, [client, name, version]);

  const reload = useCallback(() => {
    setVersion((current) => current + 1);
  }, []);

  const update = useCallback((room: Room) => {
    setLoaded((current) =>
      current?.detail?.name === room.name
        ? { ...current, detail: { ...current.detail, ...room } }
        : current,
    );
  }, []);

  const shown = loaded !== null && loaded.name === name ? loaded : null;
  return { detail: shown?.detail ?? null, error: shown?.error ?? null, reload, update };
}
