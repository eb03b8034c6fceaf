import { type ReactNode, type SubmitEvent, useState } from "react";

import { ApiError } from "../../api/auth";
import { FormError } from "../../components/FormMessage";
import { useSubmit } from "../../hooks/useSubmit";
import { CodeInput } from "./CodeInput";

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
  /** Above the field. */
  intro?: ReactNode;
  /** Buttons after the submit button. */
  extraButtons?: ReactNode;
  /** The buttons side by side (in `.actions`). */
  buttonRow?: boolean;
}

/** A form that sends a six-digit code from the authenticator app. */
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
  extraButtons,
  buttonRow = false,
}: CodeFormProps<T>) {
  const [code, setCode] = useState("");
  const { submitting, error, setError, run } = useSubmit("The code could not be checked.");

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    run(
      () => send(code),
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
        disabled={submitting || code.length !== 6}
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
      <CodeInput label={label} value={code} onChange={setCode} testId={`${testId}-code`} autoFocus={autoFocus} />
      <FormError testId={`${testId}-error`}>{error}</FormError>
      {buttonRow ? <div className="actions">{buttons}</div> : buttons}
    </form>
  );
}
