import { type SubmitEvent, useState } from "react";

import { ApiError, errorMessage } from "../../api/auth";
import { useAuth } from "../../components/auth";
import type { ChallengeStepProps } from "../types";
import { submitTotpCode } from "./api";
import { CodeInput } from "./CodeInput";
import "./twoFactor.css";

export const SIGN_IN_EXPIRED = "Your sign-in expired; start again.";

/** The sign-in step of an account with two-factor authentication: a code from the authenticator app. */
export function CodeStep({ challenge, onSignedIn, onRestart }: ChallengeStepProps) {
  const { client } = useAuth();
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setSubmitting(true);
    submitTotpCode(client, challenge.token, code)
      .then(onSignedIn, (err: unknown) => {
        // 401: the step outlived its time; the password has to be entered again.
        if (err instanceof ApiError && err.status === 401) {
          onRestart(SIGN_IN_EXPIRED);
          return;
        }
        setCode("");
        setError(errorMessage(err, "The code could not be checked."));
      })
      .finally(() => {
        setSubmitting(false);
      });
  };

  const onCancel = () => {
    onRestart(null);
  };

  return (
    <form onSubmit={onSubmit} data-testid="challenge-form" className="form">
      <p className="muted">Enter the 6-digit code that your authenticator app shows for this account.</p>
      <CodeInput label="Code" value={code} onChange={setCode} testId="challenge-code" autoFocus />
      {error ? (
        <p className="form-error" role="alert" data-testid="challenge-error">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={submitting || code.length !== 6} data-testid="challenge-submit">
        {submitting ? "Checking…" : "Verify"}
      </button>
      <button type="button" className="secondary" onClick={onCancel} data-testid="challenge-cancel">
        Start again
      </button>
    </form>
  );
}
