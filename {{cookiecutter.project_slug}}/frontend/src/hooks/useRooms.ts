import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

import { ApiError, type AuthClient, errorMessage } from "../api/auth";
import { getRoom, listRooms, type Room, type RoomDetail } from "../api/rooms";
import { type PagedList, usePagedList } from "./usePagedList";

export type RoomListApi = PagedList<Room>;

/** The rooms the user may join (GET /rooms), newest first, reloaded on demand. */
export function useRoomList(client: AuthClient): RoomListApi {
  return usePagedList(
    "rooms",
    (skip) => listRooms(client, skip),
    (room) => room.name,
    "The rooms could not be loaded.",
  );
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

/** One room's details (GET /rooms/{name}), for `name`; nothing for null. */
export function useRoomDetail(client: AuthClient, name: string | null): RoomDetailApi {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ["room", name],
    queryFn: () => getRoom(client, name ?? ""),
    enabled: name !== null,
    gcTime: 0,
  });
  const { refetch } = query;

  const reload = useCallback(() => {
    void refetch();
  }, [refetch]);

  const update = useCallback(
    (room: Room) => {
      queryClient.setQueryData<RoomDetail>(
        ["room", room.name],
        (detail) => detail && { ...detail, ...room },
      );
    },
    [queryClient],
  );

  const { error } = query;
  const missing = error instanceof ApiError && error.status === 404;
  return {
    detail: error ? null : (query.data ?? null),
    error: error && !missing ? errorMessage(error, "The room could not be loaded.") : null,
    reload,
    update,
  };
}
