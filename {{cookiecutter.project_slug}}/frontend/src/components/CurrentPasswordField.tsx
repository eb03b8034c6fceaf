import type { UseFormRegisterReturn } from "react-hook-form";

interface CurrentPasswordFieldProps {
  /** The form's field: `register("current")`. */
  field: UseFormRegisterReturn;
  testId: string;
  label?: string;
}

/** The account's password, asked for again before a change that matters (address, password, sign-in settings). */
export function CurrentPasswordField({
  field,
  testId,
  label = "Current password",
}: CurrentPasswordFieldProps) {
  return (
    <label>
      {label}
      <input
        type="password"
        {...field}
        autoComplete="current-password"
        required
        data-testid={testId}
      />
    </label>
  );
}
