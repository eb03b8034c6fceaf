import { useState } from "react";

import { errorMessage } from "../api/auth";

export interface Submit {
  /** An action is running: a form shows it and disables its button. */
  submitting: boolean;
  /** The last failure's message for the user, or null. */
  error: string | null;
  setError: (error: string | null) => void;
  /**
   * Runs `action`: clears the error, and marks `submitting` until it settles.
   * Its result goes to `onDone`. A failure becomes the error (the server's
   * message, else the hook's fallback), unless `onFailure` is given: it then
   * gets the failure and that message, and decides.
   */
  run: <T>(
    action: () => Promise<T>,
    onDone: (value: T) => void,
    onFailure?: (err: unknown, message: string) => void,
  ) => void;
}

/**
 * The state of a form that sends something: whether it is submitting, and the
 * error to show. `fallback` is that error when a failure has no message from the server.
 */
export function useSubmit(fallback: string): Submit {
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run: Submit["run"] = (action, onDone, onFailure) => {
    setError(null);
    setSubmitting(true);
    action()
      .then(onDone, (err: unknown) => {
        const message = errorMessage(err, fallback);
        if (onFailure) onFailure(err, message);
        else setError(message);
      })
      .finally(() => {
        setSubmitting(false);
      });
  };

  return { submitting, error, setError, run };
}
