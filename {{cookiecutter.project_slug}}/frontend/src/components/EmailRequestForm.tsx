import { type ReactNode, useState } from "react";
import { z } from "zod/mini";

import { useFormMutation } from "../hooks/useFormMutation";
import { CurrentPasswordField, Field } from "./CurrentPasswordField";
import { FormError } from "./FormMessage";

const emailRequestSchema = z.object({ email: z.string().check(z.trim()), current: z.string() });

interface Sent<T> {
  email: string;
  answer: T;
}

interface EmailRequestFormProps<T> {
  /** Asks the server to mail the (trimmed) address; `current` is the current password, if asked. */
  send: (email: string, current: string) => Promise<T>;
  /** Shown in place of the form once sent; `again` brings the form back. */
  renderSent: (sent: Sent<T>, again: () => void) => ReactNode;
  /** The error when a failure has no message of the server's. */
  fallback: string;
  label: string;
  submitLabel: string;
  /** Above the field, inside the form. */
  intro?: ReactNode;
  /** Asks for the current password too, in a field with this test id. */
  passwordTestId?: string;
  placeholder?: string;
  submitClassName?: string;
  className?: string;
  /** Starts the test ids of the form and its parts: `${testId}-form`, `-email`, `-error`, `-submit`. */
  testId: string;
}

/** A form that asks for an email address and has something mailed to it, then says it was sent. */
export function EmailRequestForm<T>(props: EmailRequestFormProps<T>) {
  const { send, fallback, passwordTestId, testId } = props;
  const [sent, setSent] = useState<Sent<T> | null>(null);
  const { form, problem, submitting, onSubmit } = useFormMutation({
    schema: emailRequestSchema,
    defaultValues: { email: "", current: "" },
    send: async ({ email, current }) => ({ email, answer: await send(email, current) }),
    onSent: (result, { reset }) => {
      reset();
      setSent(result);
    },
    fallback,
  });

  const again = () => {
    setSent(null);
  };

  if (sent) return props.renderSent(sent, again);

  return (
    <form onSubmit={onSubmit} data-testid={`${testId}-form`} className={props.className ?? "form"}>
      {props.intro}
      <Field
        label={props.label}
        type="email"
        {...form.register("email")}
        autoComplete="email"
        placeholder={props.placeholder}
        required
        data-testid={`${testId}-email`}
      />
      {passwordTestId ? (
        <CurrentPasswordField field={form.register("current")} testId={passwordTestId} />
      ) : null}
      <FormError testId={`${testId}-error`}>{problem}</FormError>
      <button
        type="submit"
        className={props.submitClassName}
        disabled={submitting}
        data-testid={`${testId}-submit`}
      >
        {submitting ? "Sending…" : props.submitLabel}
      </button>
    </form>
  );
}
