import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { z } from "zod/mini";

import { changePassword, requestEmailChange, sendVerificationEmail } from "../api/account";
import type { User } from "../api/auth";
import { useAuth } from "../components/auth";
import { Button } from "../components/Button";
import { CurrentPasswordField } from "../components/CurrentPasswordField";
import { EmailRequestForm } from "../components/EmailRequestForm";
import { FormError, FormSuccess } from "../components/FormMessage";
import {
  NewPasswordFields,
  newPasswordSchema,
  NO_NEW_PASSWORD,
} from "../components/NewPasswordFields";
import { useFeatures } from "../features/context";
import { failure, useFormMutation } from "../hooks/useFormMutation";

const SECTION = "mt-5 border-t border-line first-of-type:mt-0 first-of-type:border-t-0";

function EmailSection({ user }: { user: User }) {
  const { client } = useAuth();
  const verification = useMutation({ mutationFn: () => sendVerificationEmail(client) });
  const sent = verification.data;

  const onSend = () => {
    verification.mutate();
  };

  return (
    <section className={SECTION} aria-labelledby="account-email-title">
      <h2 id="account-email-title">Email</h2>
      <p className="flex flex-wrap items-center gap-2 wrap-anywhere">
        <span data-testid="account-email">{user.email}</span>{" "}
        <span
          className={user.email_verified ? "badge-ok" : "badge-wait"}
          data-testid="email-verified-badge"
          data-verified={String(user.email_verified)}
        >
          {user.email_verified ? "Verified" : "Not verified"}
        </span>
      </p>
      {user.email_verified ? null : (
        <>
          <p className="text-muted">
            Verify your address so that you can get your account back if you lose your password.
          </p>
          <FormSuccess testId="send-verification-result">{sent}</FormSuccess>
          <FormError testId="send-verification-error">
            {failure(verification.error, "The email could not be sent.")}
          </FormError>
          <button
            type="button"
            onClick={onSend}
            disabled={verification.isPending}
            data-testid="send-verification-button"
          >
            {verification.isPending
              ? "Sending…"
              : sent
                ? "Send it again"
                : "Send verification email"}
          </button>
        </>
      )}
      {/* A new address takes effect once the link mailed to it is opened (on /confirm-email). */}
      <EmailRequestForm
        send={(email, current) => requestEmailChange(client, email, current)}
        renderSent={({ answer }, again) => (
          <div className="form max-w-[380px]">
            <FormSuccess testId="email-change-pending">{answer}</FormSuccess>
            <Button onClick={again} data-testid="change-email-again">
              Use another address
            </Button>
          </div>
        )}
        fallback="The address could not be changed."
        label="New email address"
        submitLabel="Change email"
        submitClassName="btn-secondary"
        className="form max-w-[380px]"
        intro={
          <p className="text-muted">
            To change your address, enter the new one and your password. We mail a link to the new
            address; the change happens when you open it.
          </p>
        }
        passwordTestId="change-email-password"
        testId="change-email"
      />
    </section>
  );
}

export const PASSWORD_CHANGED =
  "Your password has changed. You stay signed in here; every other session of your account has ended.";

const passwordChangeSchema = z.intersection(z.object({ current: z.string() }), newPasswordSchema);

function PasswordSection() {
  const { client } = useAuth();
  const { form, mutation, problem, submitting, onSubmit } = useFormMutation({
    schema: passwordChangeSchema,
    defaultValues: { current: "", ...NO_NEW_PASSWORD },
    send: ({ current, password }) => changePassword(client, current, password),
    onSent: (_, { reset }) => {
      reset();
    },
    fallback: "The password could not be changed.",
  });

  return (
    <section className={SECTION} aria-labelledby="account-password-title">
      <h2 id="account-password-title">Password</h2>
      <form onSubmit={onSubmit} data-testid="change-password-form" className="form max-w-[380px]">
        <CurrentPasswordField field={form.register("current")} testId="change-password-current" />
        <NewPasswordFields
          register={form.register}
          passwordTestId="change-password-new"
          confirmTestId="change-password-confirm"
        />
        <FormError testId="change-password-error">{problem}</FormError>
        <FormSuccess testId="change-password-result">
          {mutation.isSuccess && !problem ? PASSWORD_CHANGED : null}
        </FormSuccess>
        <button type="submit" disabled={submitting} data-testid="change-password-submit">
          {submitting ? "Saving…" : "Change password"}
        </button>
      </form>
    </section>
  );
}

function SessionsSection() {
  const { logoutEverywhere } = useAuth();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const logout = useMutation({
    mutationFn: logoutEverywhere,
    onSuccess: () => navigate("/login", { replace: true }),
    onError: () => {
      setConfirming(false);
    },
  });

  const onAsk = () => {
    logout.reset();
    setConfirming(true);
  };

  const onCancel = () => {
    setConfirming(false);
  };

  const onConfirm = () => {
    logout.mutate();
  };

  return (
    <section className={SECTION} aria-labelledby="account-sessions-title">
      <h2 id="account-sessions-title">Sessions</h2>
      <p className="text-muted">
        Logging out everywhere ends every session of your account, on this device and all others:
        browsers, apps and open connections.
      </p>
      <FormError testId="logout-everywhere-error">
        {failure(logout.error, "Could not log out everywhere.")}
      </FormError>
      {confirming ? (
        <div className="actions">
          <button
            type="button"
            onClick={onConfirm}
            disabled={logout.isPending}
            data-testid="logout-everywhere-confirm"
          >
            {logout.isPending ? "Logging out…" : "Yes, log out everywhere"}
          </button>
          <Button
            onClick={onCancel}
            disabled={logout.isPending}
            data-testid="logout-everywhere-cancel"
          >
            Cancel
          </Button>
        </div>
      ) : (
        <Button onClick={onAsk} data-testid="logout-everywhere-button">
          Log out everywhere
        </Button>
      )}
    </section>
  );
}

export function AccountPage() {
  const { user, loadUser } = useAuth();
  const features = useFeatures();

  // The user in memory may be stale (e.g. the address was verified in another tab).
  useEffect(() => {
    loadUser().catch(() => undefined);
  }, [loadUser]);

  if (!user) return null;

  return (
    <section className="card">
      <h1>Account</h1>
      <EmailSection user={user} />
      <PasswordSection />
      {features.map(({ id, AccountSection }) =>
        AccountSection ? <AccountSection key={id} /> : null,
      )}
      <SessionsSection />
    </section>
  );
}
