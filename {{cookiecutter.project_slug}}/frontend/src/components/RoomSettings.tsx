import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { z } from "zod/mini";

import type { AuthClient } from "../api/auth";
import {
  addMember,
  deleteRoom,
  removeMember,
  type RoomDetail,
  type RoomPublic,
  updateRoom,
} from "../api/client";
import { failure, useFormMutation } from "../hooks/useFormMutation";
import { Button } from "./Button";
import { FormError, FormSuccess } from "./FormMessage";

interface SettingsProps {
  client: AuthClient;
  room: RoomDetail;
  me: string | null;
  /** Load the room again (its members changed). */
  onMembersChanged: () => unknown;
  onUpdated: (room: RoomPublic) => void;
  /** Deleted, or left for good: what to tell the user. */
  onGone: (message: string) => void;
}

const inviteSchema = z.object({
  email: z.string().check(z.trim(), z.minLength(1, "Enter the address of their account.")),
});

function InviteForm({ client, room, onMembersChanged }: SettingsProps) {
  const { form, mutation, problem, submitting, onSubmit } = useFormMutation({
    schema: inviteSchema,
    defaultValues: { email: "" },
    send: ({ email }) =>
      addMember({ client: client.api, path: { name: room.name }, body: { email } }),
    onSent: (_, { reset }) => {
      reset();
      onMembersChanged();
    },
    fallback: "They could not be let in.",
  });

  return (
    <>
      <form
        className="my-2 flex flex-wrap items-end gap-x-3 gap-y-2"
        onSubmit={onSubmit}
        noValidate
      >
        <label className="flex min-w-0 flex-[1_1_12rem] flex-col gap-1 font-medium [&>input]:w-full">
          Let someone in
          <input
            type="email"
            {...form.register("email", {
              // An edit puts away what the last try said.
              onChange: () => {
                form.clearErrors("root");
                mutation.reset();
              },
            })}
            placeholder="their account's email address"
            maxLength={320}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={problem !== null}
            data-testid="room-invite-email"
          />
        </label>
        <button type="submit" disabled={submitting} data-testid="room-invite-button">
          {submitting ? "Inviting…" : "Invite"}
        </button>
      </form>
      <FormError testId="room-invite-error">{problem}</FormError>
      <FormSuccess testId="room-invite-result">
        {mutation.data ? `${mutation.data.name} may join this room now.` : null}
      </FormSuccess>
    </>
  );
}

/** What the owner of a room may do: let people in and out, open or close it, delete it. */
function OwnerSettings(props: SettingsProps) {
  const { client, room, onMembersChanged, onUpdated, onGone } = props;
  const options = { client: client.api, path: { name: room.name } };
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);
  // One change at a time, whichever it is.
  const change = useMutation({ mutationFn: (action: () => Promise<unknown>) => action() });
  const submitting = change.isPending;

  return (
    <div data-testid="room-settings" data-role="owner">
      <h3>Manage this room</h3>
      <label className="flex items-center gap-2 font-medium">
        <input
          type="checkbox"
          checked={room.is_public}
          onChange={(event) => {
            const body = { is_public: event.target.checked };
            change.mutate(() => updateRoom({ ...options, body }).then(onUpdated));
          }}
          disabled={submitting}
          data-testid="room-public-toggle"
        />
        Public: anyone signed in may join
      </label>
      <p className="mt-1 mb-3 text-sm text-muted">
        {room.is_public
          ? "Making it private puts out everyone in it whom you did not let in."
          : "Only you and the people you let in may join."}
      </p>

      <InviteForm {...props} />

      <h4>Let in</h4>
      {room.members.length === 0 ? (
        <p className="text-muted" data-testid="room-invited-empty">
          Nobody yet.
        </p>
      ) : (
        <ul className="plain-list gap-1.5" data-testid="room-invited">
          {room.members.map((person) => (
            <li
              key={person.id}
              className="flex flex-wrap items-center justify-between gap-2"
              data-testid="room-invited-member"
              data-member-id={person.id}
            >
              <span className="min-w-0 wrap-anywhere">{person.name}</span>
              <Button
                className="btn-secondary btn-small"
                onClick={() => {
                  setRemoving(person.id);
                  const path = { ...options.path, user_id: person.id };
                  change.mutate(() => removeMember({ ...options, path }), {
                    onSuccess: () => onMembersChanged(),
                  });
                }}
                disabled={submitting}
                aria-label={`Remove ${person.name}`}
                data-testid="room-remove-member"
              >
                {removing === person.id && submitting ? "Removing…" : "Remove"}
              </Button>
            </li>
          ))}
        </ul>
      )}

      <FormError testId="room-settings-error">
        {failure(change.error, "The room could not be changed.")}
      </FormError>

      <div className="mt-4">
        {confirmingDelete ? (
          <div className="notice-error" data-testid="room-delete-confirmation">
            <p>
              Delete “{room.name}” for everyone? Its updates are gone and whoever is in it is put
              out.
            </p>
            <div className="flex flex-wrap gap-2">
              <Button
                className="btn-danger"
                onClick={() => {
                  change.mutate(() => deleteRoom(options), {
                    onSuccess: () => {
                      onGone(`Room “${room.name}” was deleted.`);
                    },
                  });
                }}
                disabled={submitting}
                data-testid="room-delete-confirm"
              >
                {submitting ? "Deleting…" : "Delete for good"}
              </Button>
              <Button
                onClick={() => {
                  setConfirmingDelete(false);
                }}
                disabled={submitting}
                data-testid="room-delete-cancel"
              >
                Keep it
              </Button>
            </div>
          </div>
        ) : (
          <Button
            className="btn-danger-outline"
            onClick={() => {
              setConfirmingDelete(true);
            }}
            data-testid="room-delete-button"
          >
            Delete room
          </Button>
        )}
      </div>
    </div>
  );
}

/** A member who was let in may leave the room for good (and would need to be let in again). */
function MemberSettings({ client, room, me, onGone }: SettingsProps & { me: string }) {
  const leave = useMutation({
    mutationFn: () => removeMember({ client: client.api, path: { name: room.name, user_id: me } }),
    onSuccess: () => {
      onGone(`You left “${room.name}” for good.`);
    },
  });
  return (
    <div data-testid="room-settings" data-role="member">
      <p className="text-muted">{room.owner.name} let you into this room.</p>
      <Button
        className="btn-danger-outline"
        onClick={() => {
          leave.mutate();
        }}
        disabled={leave.isPending}
        data-testid="room-leave-for-good"
      >
        {leave.isPending ? "Leaving…" : "Leave this room for good"}
      </Button>
      <FormError testId="room-leave-for-good-error">
        {failure(leave.error, "You could not leave the room.")}
      </FormError>
    </div>
  );
}

/** Who owns the room and whether it is open, with what the user may change about it. */
export function RoomSettings(props: SettingsProps) {
  const { room, me } = props;
  return (
    <div
      className="mt-5 border-t border-line pt-3"
      data-testid="room-about"
      data-public={String(room.is_public)}
      data-owned={String(room.is_owner)}
    >
      <p className="mt-0 mb-2 flex flex-wrap items-center gap-2 wrap-anywhere">
        <span className={room.is_public ? "badge-info" : "badge"} data-testid="room-visibility">
          {room.is_public ? "Public" : "Private"}
        </span>
        <span className="text-muted" data-testid="room-owner">
          {room.is_owner ? "Yours" : `Owned by ${room.owner.name}`}
        </span>
      </p>
      {room.is_owner ? (
        <OwnerSettings {...props} />
      ) : me !== null && room.members.some((person) => person.id === me) ? (
        <MemberSettings {...props} me={me} />
      ) : null}
    </div>
  );
}
