import { useMutation } from "@tanstack/react-query";

import { findChallengeFeature, useFeatures } from "../features/context";
import type { ChallengeStepProps } from "../features/types";
import { failure } from "../hooks/useFormMutation";
import { useAuth } from "./auth";
import { Button } from "./Button";
import { FormError } from "./FormMessage";

export const UNSUPPORTED_CHALLENGE =
  "This account needs a sign-in step this page does not support.";

/** Renders the sign-in step the server asked for, with the feature that handles its type. */
export function LoginChallengeStep({ challenge, onSignedIn, onRestart }: ChallengeStepProps) {
  const { loadUser } = useAuth();
  const { ChallengeStep: Step } = findChallengeFeature(useFeatures(), challenge.type) ?? {};
  // The step's feature has the client hold the tokens; the user is loaded here.
  const signIn = useMutation({ mutationFn: loadUser, onSuccess: onSignedIn });

  const onBack = () => {
    onRestart(null);
  };

  const onStepSignedIn = () => {
    signIn.mutate();
  };

  if (!Step) {
    return (
      <div className="form">
        <FormError testId="challenge-unsupported">{UNSUPPORTED_CHALLENGE}</FormError>
        <Button onClick={onBack} data-testid="challenge-back">
          Back
        </Button>
      </div>
    );
  }

  return (
    <>
      <Step challenge={challenge} onSignedIn={onStepSignedIn} onRestart={onRestart} />
      <FormError testId="challenge-signin-error">
        {failure(signIn.error, "Sign-in failed.")}
      </FormError>
    </>
  );
}
