import { type ReactNode, type SubmitEvent, useState } from "react";

import { ApiError } from "../../api/auth";
import { FormError } from "../../components/FormMessage";
import { useSubmit } from "../../hooks/useSubmit";
import { cleanCode, CodeInput, isCompleteCode } from "./CodeInput";

interface CodeFormProps<T> {
  /** Sends the code to the server. */
  send: (code: string) => Promise<T>;
  onDone: (value: T) => void;
  /**
   * A refusal with this HTTP status is not about the code: `handle` gets its
   * message. Any other failure empties the field and shows the message.
   */
  fatal?: { status: number; handle: (message: string) => void };
  /** The data-testid prefix: `<id>-form`, `<id>-code`, `<id>-error` and `<id>-submit`. */
  testId: string;
  className: string;
  label: string;
  submitLabel: string;
  submitClassName?: string;
  autoFocus?: boolean;
  /** Above the fields. */
  intro?: ReactNode;
  /** Fields before the code's (e.g. the current password). */
  fields?: ReactNode;
  /** A recovery code is taken too, not only a code from the app. */
  recovery?: boolean;
  /** Buttons after the submit button. */
  extraButtons?: ReactNode;
  /** The buttons side by side (in `.actions`). */
  buttonRow?: boolean;
}

/** A form that sends a six-digit code from the authenticator app (or, with `recovery`, a recovery code). */
export function CodeForm<T>({
  send,
  onDone,
  fatal,
  testId,
  className,
  label,
  submitLabel,
  submitClassName,
  autoFocus,
  intro,
  fields,
  recovery = false,
  extraButtons,
  buttonRow = false,
}: CodeFormProps<T>) {
  const [code, setCode] = useState("");
  const { submitting, error, setError, run } = useSubmit("The code could not be checked.");

  const cleaned = cleanCode(code);

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    run(
      () => send(cleaned),
      onDone,
      (err, message) => {
        if (fatal && err instanceof ApiError && err.status === fatal.status) {
          fatal.handle(message);
          return;
        }
        setCode("");
        setError(message);
      },
    );
  };

  const buttons = (
    <>
      <button
        type="submit"
        className={submitClassName}
        disabled={submitting || !isCompleteCode(cleaned, recovery)}
        data-testid={`${testId}-submit`}
      >
        {submitting ? "Checking…" : submitLabel}
      </button>
      {extraButtons}
    </>
  );

  return (
    <form onSubmit={onSubmit} data-testid={`${testId}-form`} className={className}>
      {intro}
      {fields}
      <CodeInput
        label={label}
        value={code}
        onChange={setCode}
        testId={`${testId}-code`}
        autoFocus={autoFocus}
        recovery={recovery}
      />
      <FormError testId={`${testId}-error`}>{error}</FormError>
      {buttonRow ? <div className="actions">{buttons}</div> : buttons}
    </form>
  );
}
