import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { ApiError } from "../../api/auth";
import { useAuth } from "../../components/auth";
import { CurrentPasswordField } from "../../components/CurrentPasswordField";
import { FormError, FormSuccess } from "../../components/FormMessage";
import { failure, useFormMutation } from "../../hooks/useFormMutation";
import {
  confirmTotp,
  disableTotp,
  fetchTotpStatus,
  groupSecret,
  startTotpEnrolment,
  svgDataUri,
  type TotpEnrolment,
  type TotpStatus,
} from "./api";
import { CodeForm } from "./CodeForm";
import { CODE_LABEL } from "./CodeStep";
import { NewRecoveryCodesForm, passwordSchema, RecoveryCodesPanel } from "./RecoveryCodes";

/** With this many recovery codes left or fewer, the page suggests new ones. */
const FEW_CODES_LEFT = 3;

export const TURNED_ON = "Two-factor sign-in is on.";
export const NEW_CODES = "New recovery codes are ready: the old ones no longer work.";

/** "Set up two-factor authentication": the password first. */
function StartForm({
  onStarted,
  onAlreadyOn,
}: {
  onStarted: (enrolment: TotpEnrolment) => void;
  /** It is on already (turned on in another tab): the server's word on it. */
  onAlreadyOn: (message: string) => void;
}) {
  const { client } = useAuth();
  const { form, problem, submitting, onSubmit } = useFormMutation({
    schema: passwordSchema,
    defaultValues: { current: "" },
    send: ({ current }) => startTotpEnrolment(client, current),
    onSent: (enrolment, { reset }) => {
      reset();
      onStarted(enrolment);
    },
    fallback: "Could not start the set-up.",
    onFailure: (err, message) => {
      if (!(err instanceof ApiError && err.status === 409)) return false;
      onAlreadyOn(message);
      return true;
    },
  });

  return (
    <form onSubmit={onSubmit} data-testid="totp-enable-form" className="form max-w-[380px]">
      <CurrentPasswordField field={form.register("current")} testId="totp-enable-password" />
      <FormError testId="totp-enable-error">{problem}</FormError>
      <button type="submit" disabled={submitting} data-testid="totp-enable-button">
        {submitting ? "Starting…" : "Set up two-factor authentication"}
      </button>
    </form>
  );
}

function Enrolment({
  enrolment,
  onConfirmed,
  onCancel,
  onGone,
}: {
  enrolment: TotpEnrolment;
  onConfirmed: (codes: string[]) => void;
  onCancel: () => void;
  /** The server has no enrolment waiting (409). */
  onGone: (message: string) => void;
}) {
  const { client } = useAuth();

  const send = (code: string) => confirmTotp(client, code);
  const gone = { status: 409, handle: onGone };

  return (
    <div data-testid="totp-enrolment">
      <p>
        Scan this QR code with an authenticator app (such as Google Authenticator, Aegis or
        1Password), or type the key in by hand.
      </p>
      <img
        className="my-3 block size-[200px] [image-rendering:pixelated]"
        alt="QR code for your authenticator app"
        src={svgDataUri(enrolment.qrSvg)}
        data-testid="totp-qr"
      />
      <p>
        Key:{" "}
        <code
          className="inline-block rounded-md bg-subtle px-2 py-1 font-mono text-base wrap-anywhere select-all"
          data-testid="totp-secret"
          data-secret={enrolment.secret}
        >
          {groupSecret(enrolment.secret)}
        </code>
      </p>
      <p className="text-muted">
        On this phone? <a href={enrolment.otpauthUri}>Open the key in your authenticator app</a>.
      </p>
      <CodeForm
        send={send}
        onDone={onConfirmed}
        fatal={gone}
        testId="totp-confirm"
        className="form max-w-[380px]"
        label="Code from the app"
        submitLabel="Turn on"
        buttonRow
        extraButtons={
          <button
            type="button"
            className="btn-secondary"
            onClick={onCancel}
            data-testid="totp-cancel"
          >
            Cancel
          </button>
        }
      />
    </div>
  );
}

/** Turning it off: the password, and a code from the app or a recovery code. */
function DisableForm({ onDisabled }: { onDisabled: (message: string) => void }) {
  const { client } = useAuth();
  const send = (code: string, current: string) => disableTotp(client, current, code);

  return (
    <CodeForm
      send={send}
      onDone={onDisabled}
      testId="totp-disable"
      className="form max-w-[380px]"
      intro={<p className="text-muted">To turn it off, enter your password and a code.</p>}
      fields={(register) => (
        <CurrentPasswordField field={register("current")} testId="totp-disable-password" />
      )}
      recovery
      label={CODE_LABEL}
      submitLabel="Turn off two-factor authentication"
      submitClassName="btn-secondary"
    />
  );
}

function RecoveryCodesLeft({ left }: { left: number }) {
  const few = left <= FEW_CODES_LEFT;
  return (
    <p
      className={few ? "text-warning" : "text-muted"}
      data-testid="totp-recovery-left"
      data-count={left}
    >
      {left === 1 ? "1 recovery code left." : `${String(left)} recovery codes left.`}
      {few ? " Make new ones before they run out." : null}
    </p>
  );
}

/** The account page's "Two-factor authentication" section. */
export function TwoFactorSettings() {
  const { client } = useAuth();
  const queryClient = useQueryClient();
  const statusQuery = useQuery({
    queryKey: ["two-factor-status"],
    queryFn: () => fetchTotpStatus(client),
    gcTime: 0,
  });
  const status = statusQuery.data ?? null;
  const setStatus = (value: TotpStatus) => {
    queryClient.setQueryData(["two-factor-status"], value);
  };
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  // Recovery codes are shown once, right after they are made, and kept nowhere else.
  const [codes, setCodes] = useState<readonly string[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const onAlreadyOn = (text: string) => {
    setError(text);
    void statusQuery.refetch();
  };

  const onStarted = (started: TotpEnrolment) => {
    setMessage(null);
    setError(null);
    setEnrolment(started);
  };

  // The server's answers say the same as the codes' panel: the page words these itself.
  const onConfirmed = (made: string[]) => {
    setEnrolment(null);
    setStatus({ enabled: true, recoveryCodesLeft: made.length });
    setCodes(made);
    setMessage(TURNED_ON);
  };

  const onNewCodes = (made: string[]) => {
    setStatus({ enabled: true, recoveryCodesLeft: made.length });
    setCodes(made);
    setMessage(NEW_CODES);
  };

  const onCodesSaved = () => {
    setCodes(null);
    setMessage(null);
  };

  const onCancel = () => {
    setEnrolment(null);
  };

  const onGone = (text: string) => {
    setEnrolment(null);
    setError(text);
  };

  const onDisabled = (text: string) => {
    setStatus({ enabled: false, recoveryCodesLeft: 0 });
    setCodes(null);
    setMessage(text);
  };

  const enabled = status?.enabled ?? null;

  return (
    <section
      className="mt-5 border-t border-line first-of-type:mt-0 first-of-type:border-t-0"
      data-testid="totp-section"
      aria-labelledby="account-two-factor-title"
    >
      <h2 id="account-two-factor-title">Two-factor authentication</h2>
      <p>
        Status:{" "}
        {enabled === null ? (
          <span className="badge" data-testid="totp-status" data-enabled="unknown">
            …
          </span>
        ) : (
          <span
            className={enabled ? "badge-ok" : "badge"}
            data-testid="totp-status"
            data-enabled={String(enabled)}
          >
            {enabled ? "On" : "Off"}
          </span>
        )}
      </p>
      <p className="text-muted">
        With two-factor authentication on, signing in also asks for a code from an authenticator app
        on your phone, or one of your recovery codes.
      </p>
      <FormSuccess testId="totp-message">{message}</FormSuccess>
      <FormError testId="totp-error">
        {error ?? failure(statusQuery.error, "Could not load the two-factor settings.")}
      </FormError>
      {enabled === false && enrolment ? (
        <Enrolment
          enrolment={enrolment}
          onConfirmed={onConfirmed}
          onCancel={onCancel}
          onGone={onGone}
        />
      ) : null}
      {enabled === false && !enrolment ? (
        <StartForm onStarted={onStarted} onAlreadyOn={onAlreadyOn} />
      ) : null}
      {status?.enabled ? (
        <>
          {codes ? (
            <RecoveryCodesPanel codes={codes} onDone={onCodesSaved} />
          ) : (
            <>
              <RecoveryCodesLeft left={status.recoveryCodesLeft} />
              <NewRecoveryCodesForm onNewCodes={onNewCodes} />
            </>
          )}
          <DisableForm onDisabled={onDisabled} />
        </>
      ) : null}
    </section>
  );
}
