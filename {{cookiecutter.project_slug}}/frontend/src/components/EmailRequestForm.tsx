import { type ChangeEvent, type ReactNode, type SubmitEvent, useState } from "react";

import { useSubmit } from "../hooks/useSubmit";
import { FormError } from "./FormMessage";

interface Sent<T> {
  /** The address it went to, trimmed. */
  email: string;
  /** What the server answered. */
  answer: T;
}

interface EmailRequestFormProps<T> {
  /** Asks the server to mail the (trimmed) address. */
  send: (email: string) => Promise<T>;
  /** Shown in place of the form once sent; `again` brings the form back. */
  renderSent: (sent: Sent<T>, again: () => void) => ReactNode;
  /** The error when a failure has no message of the server's. */
  fallback: string;
  label: string;
  submitLabel: string;
  /** Above the field, inside the form. */
  intro?: ReactNode;
  /** More fields, after the address (e.g. the current password). */
  children?: ReactNode;
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
  children,
  placeholder,
  submitClassName,
  className = "form",
  testIds,
}: EmailRequestFormProps<T>) {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState<Sent<T> | null>(null);
  const { submitting, error, run } = useSubmit(fallback);

  const onEmailChange = (event: ChangeEvent<HTMLInputElement>) => {
    setEmail(event.target.value);
  };

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const address = email.trim();
    run(
      () => send(address),
      (answer) => {
        setSent({ email: address, answer });
      },
    );
  };

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
          name="email"
          autoComplete="email"
          placeholder={placeholder}
          required
          value={email}
          onChange={onEmailChange}
          data-testid={testIds.email}
        />
      </label>
      {children}
      <FormError testId={testIds.error}>{error}</FormError>
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
