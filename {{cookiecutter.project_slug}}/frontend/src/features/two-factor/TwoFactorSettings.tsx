import { useEffect, useState } from "react";

import { ApiError, errorMessage } from "../../api/auth";
import { useAuth } from "../../components/auth";
import { FormError, FormSuccess } from "../../components/FormMessage";
import { useSubmit } from "../../hooks/useSubmit";
import {
  confirmTotp,
  disableTotp,
  fetchTotpEnabled,
  groupSecret,
  startTotpEnrolment,
  svgDataUri,
  type TotpEnrolment,
} from "./api";
import { CodeForm } from "./CodeForm";
import "./twoFactor.css";

function Enrolment({
  enrolment,
  onConfirmed,
  onCancel,
  onGone,
}: {
  enrolment: TotpEnrolment;
  onConfirmed: (message: string) => void;
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
        Scan this QR code with an authenticator app (such as Google Authenticator, Aegis or 1Password), or type the
        key in by hand.
      </p>
      <img
        className="totp-qr"
        alt="QR code for your authenticator app"
        src={svgDataUri(enrolment.qrSvg)}
        data-testid="totp-qr"
      />
      <p>
        Key:{" "}
        <code className="totp-secret" data-testid="totp-secret" data-secret={enrolment.secret}>
          {groupSecret(enrolment.secret)}
        </code>
      </p>
      <p className="muted">
        On this phone? <a href={enrolment.otpauthUri}>Open the key in your authenticator app</a>.
      </p>
      <CodeForm
        send={send}
        onDone={onConfirmed}
        fatal={gone}
        testId="totp-confirm"
        className="form narrow-form"
        label="Code from the app"
        submitLabel="Turn on"
        buttonRow
        extraButtons={
          <button type="button" className="secondary" onClick={onCancel} data-testid="totp-cancel">
            Cancel
          </button>
        }
      />
    </div>
  );
}

function DisableForm({ onDisabled }: { onDisabled: (message: string) => void }) {
  const { client } = useAuth();

  const send = (code: string) => disableTotp(client, code);

  return (
    <CodeForm
      send={send}
      onDone={onDisabled}
      testId="totp-disable"
      className="form narrow-form"
      label="To turn it off, enter a code from the app"
      submitLabel="Turn off two-factor authentication"
      submitClassName="secondary"
    />
  );
}

/** The account page's "Two-factor authentication" section. */
export function TwoFactorSettings() {
  const { client } = useAuth();
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const { submitting: starting, error, setError, run } = useSubmit("Could not start the set-up.");

  useEffect(() => {
    let active = true;
    fetchTotpEnabled(client).then(
      (value) => {
        if (active) setEnabled(value);
      },
      (err: unknown) => {
        if (active) setError(errorMessage(err, "Could not load the two-factor settings."));
      },
    );
    return () => {
      active = false;
    };
  }, [client, setError]);

  const onEnable = () => {
    setMessage(null);
    run(
      () => startTotpEnrolment(client),
      setEnrolment,
      (err, text) => {
        // 409: it is on already (turned on in another tab).
        if (err instanceof ApiError && err.status === 409) setEnabled(true);
        setError(text);
      },
    );
  };

  const onConfirmed = (text: string) => {
    setEnrolment(null);
    setEnabled(true);
    setMessage(text);
  };

  const onCancel = () => {
    setEnrolment(null);
  };

  const onGone = (text: string) => {
    setEnrolment(null);
    setError(text);
  };

  const onDisabled = (text: string) => {
    setEnabled(false);
    setMessage(text);
  };

  return (
    <section className="account-section" data-testid="totp-section">
      <h2>Two-factor authentication</h2>
      <p>
        Status:{" "}
        {enabled === null ? (
          <span className="badge" data-testid="totp-status" data-enabled="unknown">
            …
          </span>
        ) : (
          <span
            className={enabled ? "badge badge-on" : "badge"}
            data-testid="totp-status"
            data-enabled={String(enabled)}
          >
            {enabled ? "On" : "Off"}
          </span>
        )}
      </p>
      <p className="muted">
        With two-factor authentication on, signing in also asks for a code from an authenticator app on your phone.
      </p>
      <FormSuccess testId="totp-message">{message}</FormSuccess>
      <FormError testId="totp-error">{error}</FormError>
      {enabled === false && enrolment ? (
        <Enrolment enrolment={enrolment} onConfirmed={onConfirmed} onCancel={onCancel} onGone={onGone} />
      ) : null}
      {enabled === false && !enrolment ? (
        <button type="button" onClick={onEnable} disabled={starting} data-testid="totp-enable-button">
          {starting ? "Starting…" : "Set up two-factor authentication"}
        </button>
      ) : null}
      {enabled === true ? <DisableForm onDisabled={onDisabled} /> : null}
    </section>
  );
}
