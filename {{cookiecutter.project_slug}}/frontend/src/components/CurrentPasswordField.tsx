import type { ComponentProps } from "react";
import type { UseFormRegisterReturn } from "react-hook-form";

/** An input in its label; `register(name)` gives the input's props. */
export function Field({ label, ...input }: ComponentProps<"input"> & { label: string }) {
  return (
    <label>
      {label}
      <input {...input} />
    </label>
  );
}

interface Props {
  /** The form's field: `register("current")`. */
  field: UseFormRegisterReturn;
  testId: string;
  label?: string;
}

/** The account's password, asked for again before a change that matters (address, password, sign-in settings). */
export function CurrentPasswordField({ field, testId, label = "Current password" }: Props) {
  const props = { label, type: "password", autoComplete: "current-password", required: true };
  return <Field {...props} {...field} data-testid={testId} />;
}
