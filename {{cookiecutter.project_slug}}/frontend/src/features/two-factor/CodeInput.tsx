import type { ChangeEvent } from "react";

interface CodeInputProps {
  label: string;
  value: string;
  onChange: (code: string) => void;
  testId: string;
  autoFocus?: boolean;
}

/** A six-digit one-time code: digits only, filled in by the phone's keyboard or a password manager. */
export function CodeInput({ label, value, onChange, testId, autoFocus = false }: CodeInputProps) {
  const onInput = (event: ChangeEvent<HTMLInputElement>) => {
    onChange(event.target.value.replace(/\D/g, "").slice(0, 6));
  };
  return (
    <label>
      {label}
      <input
        type="text"
        name="code"
        className="code-input"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        required
        autoFocus={autoFocus}
        value={value}
        onChange={onInput}
        data-testid={testId}
      />
    </label>
  );
}
