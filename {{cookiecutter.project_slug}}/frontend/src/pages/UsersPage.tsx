import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { z } from "zod/mini";

import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../api/account";
import { createUser, listUsers, updateUser, type UserPublic, type UserUpdate } from "../api/client";
import { useAuth } from "../components/auth";
import { Button } from "../components/Button";
import { FormError, FormSuccess } from "../components/FormMessage";
import { failure, useFormMutation } from "../hooks/useFormMutation";
import { usePagedList } from "../hooks/usePagedList";

// Everyone's accounts, as an administrator manages them (the backend's app/api/routes/users.py).

/** What the page says when someone who is not an administrator opens it. */
export const ADMINISTRATORS_ONLY = "Only administrators can manage users.";

const FIRST_PASSWORD_TOO_SHORT = `Give them a first password of at least ${String(MIN_PASSWORD_LENGTH)} characters.`;

const newUserSchema = z.object({
  email: z.string().check(z.trim(), z.minLength(1, "Enter the new user's email address.")),
  fullName: z.string().check(z.trim()),
  password: z.string().check(z.minLength(MIN_PASSWORD_LENGTH, FIRST_PASSWORD_TOO_SHORT)),
  administrator: z.boolean(),
});

function NewUserForm({ onCreated }: { onCreated: (user: UserPublic) => void }) {
  const { client } = useAuth();
  const { form, mutation, problem, submitting, onSubmit } = useFormMutation({
    schema: newUserSchema,
    defaultValues: { email: "", fullName: "", password: "", administrator: false },
    send: ({ email, fullName, password, administrator }) =>
      createUser({
        client: client.api,
        body: { email, full_name: fullName || null, password, is_superuser: administrator },
      }),
    onSent: (user, { reset }) => {
      reset();
      onCreated(user);
    },
    fallback: "The user could not be added.",
  });
  // An edit puts away what the last try said.
  const edited = {
    onChange: () => {
      form.clearErrors("root");
      mutation.reset();
    },
  };

  return (
    <section className="mb-6" aria-labelledby="users-new-title">
      <h2 id="users-new-title">Add a user</h2>
      <form className="form max-w-[380px]" onSubmit={onSubmit} noValidate>
        <label>
          Email
          <input
            type="email"
            {...form.register("email", edited)}
            maxLength={320}
            autoComplete="off"
            spellCheck={false}
            required
          />
        </label>
        <label>
          Name (optional)
          <input {...form.register("fullName", edited)} maxLength={255} autoComplete="off" />
        </label>
        <label>
          First password
          <input
            type="password"
            {...form.register("password", edited)}
            minLength={MIN_PASSWORD_LENGTH}
            maxLength={MAX_PASSWORD_LENGTH}
            autoComplete="new-password"
            required
          />
        </label>
        <label className="flex items-center gap-2 font-medium">
          <input type="checkbox" {...form.register("administrator")} />
          Administrator (may manage users)
        </label>
        <FormError testId="users-new-error">{problem}</FormError>
        <FormSuccess testId="users-new-result">
          {mutation.data
            ? `${mutation.data.email} can log in now with the password you chose. Give it to them another way than email, and ask them to change it on their account page.`
            : null}
        </FormSuccess>
        <button type="submit" disabled={submitting}>
          {submitting ? "Adding…" : "Add user"}
        </button>
      </form>
    </section>
  );
}

function UserRow({ user, onChanged }: { user: UserPublic; onChanged: (user: UserPublic) => void }) {
  const { client, user: me } = useAuth();
  const update = useMutation({
    mutationFn: (change: UserUpdate) =>
      updateUser({ client: client.api, path: { user_id: user.id }, body: change }),
    onSuccess: onChanged,
  });
  const name = user.full_name ?? user.email;
  const mine = user.id === me?.id;
  // Each button's words, also the question asked before a change to one's own account.
  const actions: { change: UserUpdate; label: string }[] = [
    user.is_superuser
      ? { change: { is_superuser: false }, label: "Remove administrator" }
      : { change: { is_superuser: true }, label: "Make administrator" },
    user.is_active
      ? { change: { is_active: false }, label: "Deactivate" }
      : { change: { is_active: true }, label: "Reactivate" },
  ];
  const [asking, setAsking] = useState<string | null>(null);
  const confirming = actions.find(({ label }) => label === asking);
  // Click handlers: `ask` shows the question (or, with null, puts it away), `apply` sends a change.
  const ask = (label: string | null) => () => {
    setAsking(label);
  };
  const apply = (change: UserUpdate) => () => {
    setAsking(null);
    update.mutate(change);
  };

  return (
    <li
      className="flex min-w-0 flex-wrap items-center justify-between gap-x-3 gap-y-2 rounded-lg border border-line px-3 py-2.5 [&>p]:basis-full"
      aria-label={name}
      data-testid="user-row"
      data-user-id={user.id}
    >
      <div className="flex min-w-0 flex-[1_1_14rem] flex-col wrap-anywhere">
        <span className="font-semibold">{name}</span>
        {user.full_name ? <span className="text-muted">{user.email}</span> : null}
        <span className="flex flex-wrap gap-1.5 empty:hidden">
          {mine ? <span className="badge">You</span> : null}
          {user.is_superuser ? <span className="badge-ok">Administrator</span> : null}
          {user.is_active ? null : <span className="badge-wait">Deactivated</span>}
        </span>
      </div>
      {confirming ? (
        <div className="notice m-0 basis-full" role="group" aria-label="Confirm the change">
          <p>
            {confirming.label} for your own account? You may lose access to this page
            {confirming.change.is_active === false ? " and be logged out" : ""}.
          </p>
          <div className="flex flex-wrap gap-2">
            <Button className="btn-danger" onClick={apply(confirming.change)}>
              Yes, {confirming.label.toLowerCase()}
            </Button>
            <Button onClick={ask(null)}>Cancel</Button>
          </div>
        </div>
      ) : (
        <div className="flex flex-wrap gap-2">
          {/* Changing one's own account can take this page away: it asks first. */}
          {actions.map((action) => (
            <Button
              key={action.label}
              className={action.change.is_active === false ? "btn-danger-outline" : "btn-secondary"}
              disabled={update.isPending}
              onClick={mine ? ask(action.label) : apply(action.change)}
              aria-label={`${action.label}: ${name}`}
            >
              {action.label}
            </Button>
          ))}
        </div>
      )}
      <FormError testId="user-row-error">
        {failure(update.error, "The change could not be saved.")}
      </FormError>
    </li>
  );
}

export function UsersPage() {
  const { user: me } = useAuth();
  return (
    <section className="card">
      <h1>Users</h1>
      {me?.is_superuser ? <UsersManager /> : <p className="notice-info">{ADMINISTRATORS_ONLY}</p>}
    </section>
  );
}

function UsersManager() {
  const { user: me, client, loadUser } = useAuth();
  const {
    items: users,
    count,
    error,
    loadingMore,
    loadMore,
    edit,
  } = usePagedList(
    "users",
    (skip) => listUsers({ client: client.api, query: { skip, limit: 100 } }),
    (user) => user.id,
    "The users could not be loaded.",
  );

  // A new account goes first, where the one who made it sees it.
  const onCreated = (user: UserPublic) => {
    edit((page, index) => ({
      data: index === 0 ? [user, ...page.data] : page.data,
      count: page.count + 1,
    }));
  };
  const onChanged = (user: UserPublic) => {
    edit((page) => ({
      ...page,
      data: page.data.map((known) => (known.id === user.id ? user : known)),
    }));
    // One's own account changed: the header and this page follow what it may do now.
    if (user.id === me?.id) loadUser().catch(() => undefined);
  };

  return (
    <>
      <p className="text-muted">
        Everyone with an account. A deactivated user cannot log in, and is logged out everywhere;
        administrators manage the others here. There is always at least one active administrator.
      </p>
      <NewUserForm onCreated={onCreated} />

      <section aria-labelledby="users-list-title">
        <h2 id="users-list-title">Accounts{users === null ? "" : ` (${String(count)})`}</h2>
        <FormError testId="users-list-error">{error}</FormError>
        {users === null && error === null ? <p className="text-muted">Loading…</p> : null}
        {users ? (
          <>
            <ul className="plain-list mb-3 gap-2" aria-labelledby="users-list-title">
              {users.map((user) => (
                <UserRow key={user.id} user={user} onChanged={onChanged} />
              ))}
            </ul>
            {users.length < count ? (
              <Button onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? "Loading…" : `Show more (${String(count - users.length)} left)`}
              </Button>
            ) : null}
          </>
        ) : null}
      </section>
    </>
  );
}
