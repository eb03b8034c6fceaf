import { type ReactNode, useState } from "react";
import type { UseFormRegister } from "react-hook-form";
import { z } from "zod/mini";

import { useFormMutation } from "../hooks/useFormMutation";
import { FormError } from "./FormMessage";

const emailRequestSchema = z.object({ email: z.string().check(z.trim()), current: z.string() });

type EmailRequest = z.infer<typeof emailRequestSchema>;

interface Sent<T> {
  /** The address it went to, trimmed. */
  email: string;
  /** What the server answered. */
  answer: T;
}

interface EmailRequestFormProps<T> {
  /** Asks the server to mail the (trimmed) address; `current` is the current password's field. */
  send: (email: string, current: string) => Promise<T>;
  /** Shown in place of the form once sent; `again` brings the form back. */
  renderSent: (sent: Sent<T>, again: () => void) => ReactNode;
  /** The error when a failure has no message of the server's. */
  fallback: string;
  label: string;
  submitLabel: string;
  /** Above the field, inside the form. */
  intro?: ReactNode;
  /** More fields, after the address (e.g. the current password, as `current`). */
  fields?: (register: UseFormRegister<EmailRequest>) => ReactNode;
  placeholder?: string;
  submitClassName?: string;
  /** The form's class; `form` by default. */
  className?: string;
  testIds: { form: string; email: string; error: string; submit: string };
}

/** A form that asks for an email address and has something mailed to it: then says it was sent. */
export function EmailRequestForm<T>({
  send,
  renderSent,
  fallback,
  label,
  submitLabel,
  intro,
  fields,
  placeholder,
  submitClassName,
  className = "form",
  testIds,
}: EmailRequestFormProps<T>) {
  const [sent, setSent] = useState<Sent<T> | null>(null);
  const { form, problem, submitting, onSubmit } = useFormMutation({
    schema: emailRequestSchema,
    defaultValues: { email: "", current: "" },
    send: async ({ email, current }: EmailRequest) => ({
      email,
      answer: await send(email, current),
    }),
    onSent: (result, { reset }) => {
      reset();
      setSent(result);
    },
    fallback,
  });

  const onAgain = () => {
    setSent(null);
  };

  if (sent) return renderSent(sent, onAgain);

  return (
    <form onSubmit={onSubmit} data-testid={testIds.form} className={className}>
      {intro}
      <label>
        {label}
        <input
          type="email"
          {...form.register("email")}
          autoComplete="email"
          placeholder={placeholder}
          required
          data-testid={testIds.email}
        />
      </label>
      {fields?.(form.register)}
      <FormError testId={testIds.error}>{problem}</FormError>
      <button
        type="submit"
        className={submitClassName}
        disabled={submitting}
        data-testid={testIds.submit}
      >
        {submitting ? "Sending…" : submitLabel}
      </button>
    </form>
  );
}
