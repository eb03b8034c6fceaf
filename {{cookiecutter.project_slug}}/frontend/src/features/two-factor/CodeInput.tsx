import type { ChangeEvent } from "react";
import { type Control, useController } from "react-hook-form";

/** The longest code the server takes (a recovery code, with room for how it is typed). */
const MAX_RECOVERY_LENGTH = 32;
const SIX_DIGITS = /^\d{6}$/;
/** Letters and digits in four groups of four: `abcd-efgh-jkmn-pqrs`. */
const RECOVERY_CODE = /^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/i;

/**
 * What a typed code is sent as: an app's six digits without spaces; a recovery
 * code in its groups, however it was typed (spaces, no dashes).
 */
export function cleanCode(typed: string): string {
  const value = typed.trim();
  const bare = value.replace(/[\s-]+/g, "");
  if (/^[a-z0-9]{16}$/i.test(bare)) return (bare.match(/.{4}/g) ?? []).join("-");
  return /^[\d\s]+$/.test(value) ? value.replace(/\s+/g, "") : value;
}

/** Whether a (cleaned) code can be sent: six digits, or a recovery code when those are taken. */
export function isCompleteCode(code: string, recovery: boolean): boolean {
  return SIX_DIGITS.test(code) || (recovery && RECOVERY_CODE.test(code));
}

interface CodeInputProps {
  label: string;
  /** The form's `code` field. */
  control: Control<{ code: string; current: string }>;
  testId: string;
  autoFocus?: boolean;
  /** A recovery code is taken too (letters, digits and dashes), not only the app's six digits. */
  recovery?: boolean;
}

/**
 * A one-time code, filled in by the phone's keyboard or a password manager:
 * six digits only, or, with `recovery`, a recovery code too.
 */
export function CodeInput({
  label,
  control,
  testId,
  autoFocus = false,
  recovery = false,
}: CodeInputProps) {
  const { field } = useController({ name: "code", control });
  const onInput = (event: ChangeEvent<HTMLInputElement>) => {
    const typed = event.target.value;
    field.onChange(
      recovery ? typed.slice(0, MAX_RECOVERY_LENGTH) : typed.replace(/\D/g, "").slice(0, 6),
    );
  };
  return (
    <label>
      {label}
      <input
        type="text"
        {...field}
        onChange={onInput}
        className={`font-mono text-xl ${recovery ? "max-w-[22rem] tracking-[0.1em]" : "max-w-48 tracking-[0.3em]"}`}
        inputMode={recovery ? "text" : "numeric"}
        autoComplete="one-time-code"
        autoCapitalize="off"
        autoCorrect="off"
        spellCheck={false}
        pattern={recovery ? undefined : "[0-9]{6}"}
        maxLength={recovery ? MAX_RECOVERY_LENGTH : 6}
        required
        autoFocus={autoFocus}
        data-testid={testId}
      />
    </label>
  );
}
