import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type SubmitEvent, useEffect, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";

import { ApiError } from "../api/auth";
import { listRooms, readRoom, type RoomDetail, type RoomPublic } from "../api/client";
import { INVALID_ROOM_NAME, isValidRoomName, type RoomPhase } from "../api/room";
import { SocketRequestError } from "../api/websocketAPI";
import { useAuth } from "../components/auth";
import { Button } from "../components/Button";
import { FormError } from "../components/FormMessage";
import { CreateRoomForm, RoomList, roomPath } from "../components/RoomDirectory";
import { RoomSettings } from "../components/RoomSettings";
import { SocketStatus } from "../components/SocketStatus";
import { useToast } from "../components/toasts";
import { failure } from "../hooks/useFormMutation";
import { usePagedList } from "../hooks/usePagedList";
import { type RoomApi, type UseRoomOptions, useRoom } from "../hooks/useRoom";

/** Well under the server's frame limit (WS_MAX_MESSAGE_BYTES, 64 KiB by default). */
const MAX_MESSAGE_LENGTH = 4000;

const PHASES: Record<RoomPhase, [label: string, badge: string]> = {
  idle: ["Not in the room", "badge"],
  waiting: ["Waiting for the connection…", "badge-wait"],
  joining: ["Joining…", "badge-wait"],
  joined: ["Joined", "badge-ok"],
  leaving: ["Leaving…", "badge-wait"],
};

const PUT_OUT_MESSAGES: Partial<Record<string, string>> = {
  removed: "You were removed from this room.",
  deleted: "This room was deleted.",
};

export function RoomsPage({ roomOptions }: { roomOptions?: Omit<UseRoomOptions, "onError"> }) {
  const routeRoom = useParams().room;
  const navigate = useNavigate();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { client, user } = useAuth();

  const room = useRoom({
    ...roomOptions,
    onError: (error) => {
      toast.show(error.message, "error");
    },
  });
  const { socket, join, leave } = room;

  const validRoute = routeRoom !== undefined && isValidRoomName(routeRoom) ? routeRoom : null;
  useEffect(() => {
    if (validRoute === null) leave();
    else join(validRoute);
  }, [validRoute, join, leave]);

  const list = usePagedList(
    "rooms",
    (skip) => listRooms({ client: client.api, query: { skip, limit: 100 } }),
    (listed) => listed.name,
    "The rooms could not be loaded.",
  );
  const details = useQuery({
    queryKey: ["room", validRoute],
    queryFn: () => readRoom({ client: client.api, path: { name: validRoute ?? "" } }),
    enabled: validRoute !== null,
    gcTime: 0,
  });
  const { reload: reloadList } = list;
  const { refetch: reloadDetail } = details;

  // Put out of a room: it is no longer among the user's (or no longer theirs to manage).
  const putOut = room.putOut;
  useEffect(() => {
    if (putOut === null) return;
    reloadList();
    void reloadDetail();
  }, [putOut, reloadList, reloadDetail]);

  const retry = (name: string) => {
    join(name);
    void reloadDetail();
  };

  const onGone = (message: string) => {
    leave();
    reloadList();
    toast.show(message, "success");
    void navigate("/rooms");
  };

  // The room on show: the one being joined or left, else the one in the address.
  const shown = room.room ?? validRoute;
  const refused = room.refused?.room === shown ? room.refused : null;
  const gone = room.putOut?.room === shown ? room.putOut : null;
  // Not there for the user (404): nothing is shown about it.
  const missing = details.error instanceof ApiError && details.error.status === 404;
  const detail = details.data?.name === shown && !details.error ? details.data : null;
  const [phaseLabel, phaseBadge] = PHASES[room.phase];

  return (
    <section className="card">
      <SocketStatus title="Rooms" socket={socket}>
        Everyone in a room sees what its members publish, in order. If the connection drops, the
        page joins again and catches up on what it missed.
      </SocketStatus>

      <FormError testId="room-name-error">
        {routeRoom !== undefined && validRoute === null ? INVALID_ROOM_NAME : null}
      </FormError>

      <div
        className={`mt-4 grid grid-cols-1 gap-5 ${shown === null ? "" : "min-[900px]:grid-cols-[minmax(200px,1fr)_minmax(0,2.4fr)]"}`}
      >
        <aside className="min-w-0 [&_h2]:mt-1 [&_h2]:mb-2">
          <RoomList
            list={list}
            current={shown}
            onOpen={(name) => {
              // The room on show, clicked again: try it again (after a refusal, say).
              if (name === validRoute) retry(name);
            }}
          />
          <CreateRoomForm
            onCreated={(created) => {
              reloadList();
              toast.show(`Room “${created.name}” is ready.`, "success");
              void navigate(roomPath(created.name));
            }}
          />
        </aside>

        {shown !== null ? (
          <div
            className="min-w-0 max-sm:-order-1"
            data-testid="room"
            data-room={shown}
            data-phase={room.phase}
          >
            <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
              <h2 className="my-1 min-w-0 flex-[1_1_10rem] wrap-anywhere">
                {room.phase === "joined" && room.room === shown ? (
                  <span data-testid="room-joined-name">{shown}</span>
                ) : (
                  <span className="text-muted">{shown}</span>
                )}
              </h2>
              <span className={phaseBadge} data-testid="room-phase" data-phase={room.phase}>
                {room.phase === "waiting" && room.retryInMs !== null
                  ? `Unavailable; trying again in ${(room.retryInMs / 1000).toFixed(1)} s`
                  : phaseLabel}
              </span>
              <Button
                onClick={() => {
                  leave();
                  if (routeRoom !== undefined) void navigate("/rooms");
                }}
                disabled={room.phase === "leaving"}
                data-testid="room-leave-button"
              >
                {room.room === null ? "Close" : "Leave"}
              </Button>
            </div>

            {refused ? (
              <div
                className="notice-error"
                data-testid="room-refused"
                data-code={refused.code}
                role="alert"
              >
                <p>You cannot join this room.</p>
                <p data-testid="room-refused-reason">{refused.message}</p>
                <Button
                  className="btn-secondary btn-small"
                  onClick={() => {
                    retry(refused.room);
                  }}
                  data-testid="room-refused-retry"
                >
                  Try again
                </Button>
              </div>
            ) : null}
            {gone ? (
              <div
                className="notice-error"
                data-testid="room-removed"
                data-reason={gone.reason}
                role="alert"
              >
                <p>{PUT_OUT_MESSAGES[gone.reason] ?? "You are no longer in this room."}</p>
              </div>
            ) : null}

            {room.room !== null ? <RoomFeed room={room} /> : null}

            {detail ? (
              <RoomSettings
                client={client}
                room={detail}
                me={user?.id ?? socket.user?.id ?? null}
                onMembersChanged={reloadDetail}
                onUpdated={(changed: RoomPublic) => {
                  queryClient.setQueryData<RoomDetail>(
                    ["room", changed.name],
                    (old) => old && { ...old, ...changed },
                  );
                  reloadList();
                }}
                onGone={onGone}
              />
            ) : null}
            <FormError testId="room-detail-error">
              {missing ? null : failure(details.error, "The room could not be loaded.")}
            </FormError>
          </div>
        ) : (
          <div className="-order-1 m-0 min-w-0 [&_h2]:mt-1" data-testid="rooms-pick">
            {list.items !== null && list.items.length === 0 ? (
              <>
                <h2>No rooms yet</h2>
                <p>
                  Make one under “New room”: give it a name, and you are in it. Let people in by the
                  email address of their account, or tick “Public” so that anyone signed in may
                  join. Or ask someone to let you into theirs: it then shows up in your list.
                </p>
              </>
            ) : (
              <p className="text-muted">
                Pick a room from your list to join it, or make a new one.
              </p>
            )}
          </div>
        )}
      </div>
    </section>
  );
}

/** The room's members and updates, and the form to publish. */
function RoomFeed({ room }: { room: RoomApi }) {
  const toast = useToast();
  const [text, setText] = useState("");
  const updatesRef = useRef<HTMLOListElement>(null);
  const joined = room.phase === "joined" && room.socket.status === "open";
  // The first seq the list can show: what came before is from before the person joined (or
  // older than the list keeps).
  const historyStart = room.updates[0]?.seq ?? (room.lastSeq === null ? 0 : room.lastSeq + 1);

  const updateCount = room.updates.length;
  useEffect(() => {
    const element = updatesRef.current;
    if (element && updateCount > 0) element.scrollTop = element.scrollHeight;
  }, [updateCount, room.room]);

  const onPublish = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const sent = text;
    if (sent.trim() === "" || !joined) return;
    room.publish({ text: sent }).then(
      () => {
        setText((current) => (current === sent ? "" : current));
      },
      (error: unknown) => {
        const fallback = "The server did not confirm the message; the connection may have dropped.";
        toast.show(error instanceof SocketRequestError ? error.message : fallback, "error");
      },
    );
  };

  return (
    <>
      {room.restarted ? (
        <div className="notice-info" data-testid="room-restarted">
          <p>The room started over on the server; earlier updates are no longer shown.</p>
        </div>
      ) : null}
      {room.missedUpdates ? (
        <div className="notice-info" data-testid="room-missed-updates">
          <p>Some updates from while you were away were no longer kept by the server.</p>
        </div>
      ) : null}

      <div className="grid grid-cols-[minmax(120px,1fr)_minmax(0,3fr)] gap-4 max-sm:grid-cols-1">
        <div>
          <h3>In the room</h3>
          <ul
            className="m-0 list-none p-0 wrap-anywhere"
            data-testid="room-members"
            data-count={room.members.length}
          >
            {room.members.map((member) => (
              <li key={member.id} data-testid="room-member" data-member-id={member.id}>
                {member.name}
                {room.socket.user?.id === member.id ? (
                  <span className="text-muted"> (you)</span>
                ) : null}
              </li>
            ))}
          </ul>
          {room.members.length === 0 ? <p className="text-muted">—</p> : null}
        </div>

        <div>
          <h3>Updates</h3>
          <ol
            className="plain-list max-h-[360px] gap-1.5 overflow-y-auto"
            data-testid="room-updates"
            data-last-seq={room.lastSeq ?? ""}
            aria-live="polite"
            ref={updatesRef}
          >
            {historyStart > 1 ? (
              <li
                className="border-b border-dashed border-line px-2 py-1.5 text-sm text-muted"
                data-testid="room-history-start"
              >
                {historyStart === 2
                  ? "Message #1 came before you joined and is not shown."
                  : `Messages #1–#${String(historyStart - 1)} came before you joined and are not shown.`}{" "}
                What is written from here on appears below.
              </li>
            ) : null}
            {room.updates.length === 0 ? (
              <li className="text-muted" data-testid="room-updates-empty">
                {room.phase === "joined"
                  ? "No new messages yet. Write one below; everyone here sees it at once."
                  : "Nothing yet."}
              </li>
            ) : null}
            {room.updates.map(({ seq, sender, payload }) => (
              <li
                key={seq}
                className="flex min-w-0 flex-wrap gap-2 rounded-md bg-[#f9fafb] px-2 py-1.5"
                data-testid="room-update"
                data-seq={seq}
                data-sender-id={sender.id}
              >
                <span className="font-mono text-xs text-muted" data-testid="room-update-seq">
                  #{seq}
                </span>
                <span className="font-semibold wrap-anywhere" data-testid="room-update-sender">
                  {sender.name}
                </span>
                <span
                  className="basis-full whitespace-pre-wrap wrap-anywhere"
                  data-testid="room-update-text"
                >
                  {typeof payload.text === "string" ? payload.text : JSON.stringify(payload)}
                </span>
              </li>
            ))}
          </ol>
        </div>
      </div>

      <form
        className="mt-4 flex flex-wrap gap-x-3 gap-y-2"
        onSubmit={onPublish}
        aria-label="Write to the room"
      >
        <input
          value={text}
          onChange={(event) => {
            setText(event.target.value);
          }}
          placeholder={joined ? "Write a message" : "Join the room to publish"}
          maxLength={MAX_MESSAGE_LENGTH}
          disabled={!joined}
          autoComplete="off"
          aria-label="Message"
          className="min-w-0 flex-[1_1_10rem]"
          data-testid="room-publish-input"
        />
        <button
          type="submit"
          disabled={!joined || text.trim() === ""}
          data-testid="room-publish-button"
        >
          Publish
        </button>
      </form>
    </>
  );
}
