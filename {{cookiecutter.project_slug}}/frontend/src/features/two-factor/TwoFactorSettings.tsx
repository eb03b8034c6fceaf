import { type SubmitEvent, useEffect, useState } from "react";

import { ApiError, errorMessage } from "../../api/auth";
import { useAuth } from "../../components/auth";
import {
  confirmTotp,
  disableTotp,
  fetchTotpEnabled,
  groupSecret,
  startTotpEnrolment,
  svgDataUri,
  type TotpEnrolment,
} from "./api";
import { CodeInput } from "./CodeInput";
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
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setSubmitting(true);
    confirmTotp(client, code)
      .then(onConfirmed, (err: unknown) => {
        const message = errorMessage(err, "The code could not be checked.");
        if (err instanceof ApiError && err.status === 409) {
          onGone(message);
          return;
        }
        setCode("");
        setError(message);
      })
      .finally(() => {
        setSubmitting(false);
      });
  };

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
      <form onSubmit={onSubmit} data-testid="totp-confirm-form" className="form narrow-form">
        <CodeInput label="Code from the app" value={code} onChange={setCode} testId="totp-confirm-code" />
        {error ? (
          <p className="form-error" role="alert" data-testid="totp-confirm-error">
            {error}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={submitting || code.length !== 6} data-testid="totp-confirm-submit">
            {submitting ? "Checking…" : "Turn on"}
          </button>
          <button type="button" className="secondary" onClick={onCancel} data-testid="totp-cancel">
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

function DisableForm({ onDisabled }: { onDisabled: (message: string) => void }) {
  const { client } = useAuth();
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setSubmitting(true);
    disableTotp(client, code)
      .then(onDisabled, (err: unknown) => {
        setCode("");
        setError(errorMessage(err, "The code could not be checked."));
      })
      .finally(() => {
        setSubmitting(false);
      });
  };

  return (
    <form onSubmit={onSubmit} data-testid="totp-disable-form" className="form narrow-form">
      <CodeInput label="To turn it off, enter a code from the app" value={code} onChange={setCode} testId="totp-disable-code" />
      {error ? (
        <p className="form-error" role="alert" data-testid="totp-disable-error">
          {error}
        </p>
      ) : null}
      <button type="submit" className="secondary" disabled={submitting || code.length !== 6} data-testid="totp-disable-submit">
        {submitting ? "Checking…" : "Turn off two-factor authentication"}
      </button>
    </form>
  );
}

/** The account page's "Two-factor authentication" section. */
export function TwoFactorSettings() {
  const { client } = useAuth();
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

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
  }, [client]);

  const onEnable = () => {
    setError(null);
    setMessage(null);
    setStarting(true);
    startTotpEnrolment(client)
      .then(setEnrolment, (err: unknown) => {
        // 409: it is on already (turned on in another tab).
        if (err instanceof ApiError && err.status === 409) setEnabled(true);
        setError(errorMessage(err, "Could not start the set-up."));
      })
      .finally(() => {
        setStarting(false);
      });
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
      {message ? (
        <p className="notice notice-success" role="status" data-testid="totp-message">
          {message}
        </p>
      ) : null}
      {error ? (
        <p className="form-error" role="alert" data-testid="totp-error">
          {error}
        </p>
      ) : null}
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
