import { useEffect, useState, useSyncExternalStore } from "react";

import { RoomController, type RoomControllerOptions, type RoomSnapshot } from "../api/room";
import {
  type SocketSessionApi,
  type UseSocketSessionOptions,
  useSocketSession,
} from "./useSocketSession";

export interface UseRoomOptions {
  /** Passed on to useSocketSession (url, token, reconnect…); its `handlers` are the room's own. */
  socketOptions?: Omit<UseSocketSessionOptions, "handlers" | "onOtherMessage">;
  /** A refused leave, rooms being unavailable, and errors that answer no request. */
  onError?: (error: { message: string; code: string }) => void;
  room?: RoomControllerOptions;
}

export type RoomApi = RoomSnapshot &
  Pick<RoomController, "join" | "leave" | "publish"> & { socket: SocketSessionApi };

/** A socket session that is in (at most) one room at a time, joined again on every new connection. */
export function useRoom(options: UseRoomOptions = {}): RoomApi {
  const socket = useSocketSession({
    ...options.socketOptions,
    handlers: {
      // An error that answers a request is the requester's to report: its promise rejects.
      error: ({ id, error, code }) => {
        if ((id ?? null) === null) options.onError?.({ message: error, code });
      },
    },
    onOtherMessage: (message) => {
      controller.handleMessage(message);
    },
  });
  const [controller] = useState(() => new RoomController(socket, options.room));

  // `user` is new with every `initialised`: a new connection, whose rooms are joined again even
  // if no render saw the socket anything but open in between.
  const open = socket.status === "open";
  useEffect(() => {
    controller.setConnected(open);
    return () => {
      controller.connectionReset();
    };
  }, [controller, open, socket.user]);

  const { onError } = options;
  useEffect(() => controller.onError((error) => onError?.(error)), [controller, onError]);

  const snapshot = useSyncExternalStore(controller.subscribe, controller.getSnapshot);
  const { join, leave, publish } = controller;
  return { ...snapshot, join, leave, publish, socket };
}
