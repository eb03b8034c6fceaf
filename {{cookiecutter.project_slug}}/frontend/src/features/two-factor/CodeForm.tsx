import type { ReactNode } from "react";
import { useController } from "react-hook-form";
import { z } from "zod/mini";

import { ApiError } from "../../api/auth";
import { CurrentPasswordField } from "../../components/CurrentPasswordField";
import { FormError } from "../../components/FormMessage";
import { useFormMutation } from "../../hooks/useFormMutation";

export const CODE_LABEL = "Code from your app, or a recovery code";

/** The longest code the server takes (a recovery code, with room for how it is typed). */
const MAX_RECOVERY_LENGTH = 32;

const fieldsSchema = z.object({ code: z.string(), current: z.string() });

/** What a typed code is sent as: an app's digits without spaces, a recovery code in its groups. */
export function cleanCode(typed: string): string {
  const value = typed.trim();
  const bare = value.replace(/[\s-]+/g, "");
  if (/^[a-z0-9]{16}$/i.test(bare)) return (bare.match(/.{4}/g) ?? []).join("-");
  return /^[\d\s]+$/.test(value) ? value.replace(/\s+/g, "") : value;
}

/** Whether a (cleaned) code can be sent: six digits, or a recovery code when those are taken. */
export function isCompleteCode(code: string, recovery: boolean): boolean {
  return /^\d{6}$/.test(code) || (recovery && /^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/i.test(code));
}

interface CodeFormProps<T> {
  /** The data-testid prefix: `<id>-form`, `-password`, `-code`, `-error`, `-submit`. */
  id: string;
  /** Sends the fields, the code cleaned (`current` is the current password's). */
  send: (fields: z.infer<typeof fieldsSchema>) => Promise<T>;
  onDone: (result: T) => void;
  fallback?: string;
  /** A refusal with this HTTP status is not about the fields: `handle` gets its message. */
  fatal?: { status: number; handle: (message: string) => void };
  /** Asks for the current password. */
  password?: boolean;
  /** The code field's label: no code field without one. */
  code?: string;
  /** A recovery code is taken too, not only the app's six digits. */
  recovery?: boolean;
  submit: string;
  busy?: string;
  submitId?: string;
  submitClass?: string;
  autoFocus?: boolean;
  intro?: ReactNode;
  /** Buttons after the submit button; side by side with it (in `.actions`) when `row`. */
  extra?: ReactNode;
  row?: boolean;
}

/**
 * A form with the current password, or a one-time code (filled in by the phone's keyboard or a
 * password manager), or both. A failure empties the code.
 */
export function CodeForm<T>(props: CodeFormProps<T>) {
  const { id, fatal, code, recovery = false } = props;
  const { form, problem, submitting, onSubmit } = useFormMutation({
    schema: fieldsSchema,
    defaultValues: { code: "", current: "" },
    send: (fields) => props.send({ ...fields, code: cleanCode(fields.code) }),
    onSent: (result, { reset }) => {
      reset();
      props.onDone(result);
    },
    fallback: props.fallback ?? "The code could not be checked.",
    onFailure: (err, message, { resetField }) => {
      resetField("code");
      if (!fatal || !(err instanceof ApiError && err.status === fatal.status)) return false;
      fatal.handle(message);
      return true;
    },
  });
  const { field } = useController({ name: "code", control: form.control });
  const maxLength = recovery ? MAX_RECOVERY_LENGTH : 6;
  const incomplete = code !== undefined && !isCompleteCode(cleanCode(field.value), recovery);

  return (
    <form onSubmit={onSubmit} data-testid={`${id}-form`} className="form max-w-[380px]">
      {props.intro}
      {props.password ? (
        <CurrentPasswordField field={form.register("current")} testId={`${id}-password`} />
      ) : null}
      {code === undefined ? null : (
        <label>
          {code}
          <input
            type="text"
            {...field}
            onChange={({ target: { value } }) => {
              field.onChange((recovery ? value : value.replace(/\D/g, "")).slice(0, maxLength));
            }}
            className={`font-mono text-xl ${recovery ? "max-w-[22rem] tracking-[0.1em]" : "max-w-48 tracking-[0.3em]"}`}
            inputMode={recovery ? "text" : "numeric"}
            autoComplete="one-time-code"
            autoCapitalize="off"
            autoCorrect="off"
            spellCheck={false}
            pattern={recovery ? undefined : "[0-9]{6}"}
            maxLength={maxLength}
            required
            autoFocus={props.autoFocus}
            data-testid={`${id}-code`}
          />
        </label>
      )}
      <FormError testId={`${id}-error`}>{problem}</FormError>
      <div className={props.row ? "actions" : "contents"}>
        <button
          type="submit"
          className={props.submitClass}
          disabled={submitting || incomplete}
          data-testid={props.submitId ?? `${id}-submit`}
        >
          {submitting ? (props.busy ?? "Checking…") : props.submit}
        </button>
        {props.extra}
      </div>
    </form>
  );
}
