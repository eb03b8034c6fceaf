import type { ReactNode } from "react";
import type { UseFormRegister } from "react-hook-form";
import { z } from "zod/mini";

import { ApiError } from "../../api/auth";
import { FormError } from "../../components/FormMessage";
import { useFormMutation } from "../../hooks/useFormMutation";
import { cleanCode, CodeInput, isCompleteCode } from "./CodeInput";

const codeSchema = z.object({ code: z.string(), current: z.string() });

type CodeFields = z.infer<typeof codeSchema>;

interface CodeFormProps<T> {
  /** Sends the code to the server, with the current password when `fields` asks for it. */
  send: (code: string, current: string) => Promise<T>;
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
  /** Fields before the code's (e.g. the current password, as `current`). */
  fields?: (register: UseFormRegister<CodeFields>) => ReactNode;
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
  const { form, problem, submitting, onSubmit } = useFormMutation({
    schema: codeSchema,
    defaultValues: { code: "", current: "" },
    send: ({ code, current }) => send(cleanCode(code), current),
    onSent: (result, { reset }) => {
      reset();
      onDone(result);
    },
    fallback: "The code could not be checked.",
    onFailure: (err, message, { resetField }) => {
      if (fatal && err instanceof ApiError && err.status === fatal.status) {
        fatal.handle(message);
        return true;
      }
      resetField("code");
      return false;
    },
  });
  const cleaned = cleanCode(form.watch("code"));

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
      {fields?.(form.register)}
      <CodeInput
        label={label}
        control={form.control}
        testId={`${testId}-code`}
        autoFocus={autoFocus}
        recovery={recovery}
      />
      <FormError testId={`${testId}-error`}>{problem}</FormError>
      {buttonRow ? <div className="actions">{buttons}</div> : buttons}
    </form>
  );
}
