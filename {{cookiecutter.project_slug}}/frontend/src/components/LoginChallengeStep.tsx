import { useState } from "react";

import { ApiError, type LoginChallenge } from "../api/auth";
import { findChallengeFeature, useFeatures } from "../features/context";
import { useAuth } from "./auth";
import { FormError } from "./FormMessage";

export const UNSUPPORTED_CHALLENGE =
  "This account needs a sign-in step this page does not support.";

interface LoginChallengeStepProps {
  challenge: LoginChallenge;
  /** The user is signed in and loaded. */
  onSignedIn: () => void;
  /** Back to the start; with a message for the user when there is one. */
  onRestart: (message: string | null) => void;
}

/** Renders the sign-in step the server asked for, with the feature that handles its type. */
export function LoginChallengeStep({ challenge, onSignedIn, onRestart }: LoginChallengeStepProps) {
  const features = useFeatures();
  const { loadUser } = useAuth();
  const [error, setError] = useState<string | null>(null);
  const { ChallengeStep: Step } = findChallengeFeature(features, challenge.type) ?? {};

  const onBack = () => {
    onRestart(null);
  };

  if (!Step) {
    return (
      <div className="form">
        <FormError testId="challenge-unsupported">{UNSUPPORTED_CHALLENGE}</FormError>
        <button
          type="button"
          className="btn-secondary"
          onClick={onBack}
          data-testid="challenge-back"
        >
          Back
        </button>
      </div>
    );
  }

  const onStepSignedIn = () => {
    setError(null);
    loadUser().then(onSignedIn, (err: unknown) => {
      setError(err instanceof ApiError ? err.message : "Sign-in failed.");
    });
  };

  return (
    <>
      <Step challenge={challenge} onSignedIn={onStepSignedIn} onRestart={onRestart} />
      <FormError testId="challenge-signin-error">{error}</FormError>
    </>
  );
}
