// Two-factor sign-in with codes from an authenticator app (TOTP). Delete this folder to remove it.
import { useAuth } from "../../components/auth";
import { Button } from "../../components/Button";
import type { AuthFeature, ChallengeStepProps } from "../types";
import { signInWithCode } from "./client";
import { CODE_LABEL, CodeForm } from "./CodeForm";
import { TwoFactorSettings } from "./TwoFactorSettings";

export const SIGN_IN_EXPIRED = "Your sign-in expired; start again.";

/** The sign-in step of an account with two-factor authentication. */
function CodeStep({ challenge, onSignedIn, onRestart }: ChallengeStepProps) {
  const { client } = useAuth();
  return (
    <CodeForm
      id="challenge"
      send={({ code }) => {
        const body = { challenge_token: challenge.token, code };
        return signInWithCode({ client: client.http, body }).then(client.signIn);
      }}
      onDone={onSignedIn}
      // 401: the step outlived its time; the password has to be entered again.
      fatal={{
        status: 401,
        handle: () => {
          onRestart(SIGN_IN_EXPIRED);
        },
      }}
      code={CODE_LABEL}
      recovery
      autoFocus
      submit="Verify"
      intro={
        <p className="text-muted">
          Enter the 6-digit code that your authenticator app shows for this account. Without your
          phone, enter one of your recovery codes instead: each works once.
        </p>
      }
      extra={
        <Button
          onClick={() => {
            onRestart(null);
          }}
          data-testid="challenge-cancel"
        >
          Start again
        </Button>
      }
    />
  );
}

export const feature: AuthFeature = {
  id: "two-factor",
  AccountSection: TwoFactorSettings,
  challengeType: "totp",
  ChallengeStep: CodeStep,
};
