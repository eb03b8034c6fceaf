import type { ChangeEvent } from "react";

interface CurrentPasswordFieldProps {
  value: string;
  onChange: (value: string) => void;
  testId: string;
  label?: string;
}

/** The account's password, asked for again before a change that matters (address, password, sign-in settings). */
export function CurrentPasswordField({
  value,
  onChange,
  testId,
  label = "Current password",
}: CurrentPasswordFieldProps) {
  const onInput = (event: ChangeEvent<HTMLInputElement>) => {
    onChange(event.target.value);
  };
  return (
    <label>
      {label}
      <input
        type="password"
        name="current-password"
        autoComplete="current-password"
        required
        value={value}
        onChange={onInput}
        data-testid={testId}
      />
    </label>
  );
}
