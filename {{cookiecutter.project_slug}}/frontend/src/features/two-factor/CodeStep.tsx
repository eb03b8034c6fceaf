import { useAuth } from "../../components/auth";
import type { ChallengeStepProps } from "../types";
import { submitTotpCode } from "./api";
import { CodeForm } from "./CodeForm";

export const SIGN_IN_EXPIRED = "Your sign-in expired; start again.";

export const CODE_LABEL = "Code from your app, or a recovery code";

/**
 * The sign-in step of an account with two-factor authentication: a code from
 * the authenticator app, or a recovery code.
 */
export function CodeStep({ challenge, onSignedIn, onRestart }: ChallengeStepProps) {
  const { client } = useAuth();

  const send = (code: string) => submitTotpCode(client, challenge.token, code);

  // 401: the step outlived its time; the password has to be entered again.
  const expired = {
    status: 401,
    handle: () => {
      onRestart(SIGN_IN_EXPIRED);
    },
  };

  const onCancel = () => {
    onRestart(null);
  };

  return (
    <CodeForm
      send={send}
      onDone={onSignedIn}
      fatal={expired}
      testId="challenge"
      className="form"
      label={CODE_LABEL}
      submitLabel="Verify"
      autoFocus
      recovery
      intro={
        <p className="text-muted">
          Enter the 6-digit code that your authenticator app shows for this account. Without your
          phone, enter one of your recovery codes instead: each works once.
        </p>
      }
      extraButtons={
        <button
          type="button"
          className="btn-secondary"
          onClick={onCancel}
          data-testid="challenge-cancel"
        >
          Start again
        </button>
      }
    />
  );
}
