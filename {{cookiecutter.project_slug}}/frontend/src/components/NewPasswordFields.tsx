import type { FieldValues, Path, UseFormRegister } from "react-hook-form";
import { z } from "zod/mini";

import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../api/account";
import { Field } from "./CurrentPasswordField";

/** A new password typed twice: too short, too long, or the two differ, it cannot be sent. */
export const newPasswordSchema = z
  .object({
    password: z
      .string()
      .check(
        z.minLength(MIN_PASSWORD_LENGTH, `Use at least ${String(MIN_PASSWORD_LENGTH)} characters.`),
        z.maxLength(MAX_PASSWORD_LENGTH, `Use at most ${String(MAX_PASSWORD_LENGTH)} characters.`),
      ),
    repeated: z.string(),
  })
  .check(
    z.refine(({ password, repeated }) => password === repeated, {
      message: "The two passwords do not match.",
      path: ["repeated"],
    }),
  );

export type NewPassword = z.infer<typeof newPasswordSchema>;

export const NO_NEW_PASSWORD: NewPassword = { password: "", repeated: "" };

const NEW_PASSWORD = {
  type: "password",
  autoComplete: "new-password",
  required: true,
  minLength: MIN_PASSWORD_LENGTH,
  maxLength: MAX_PASSWORD_LENGTH,
};

/** "New password" and "New password, again": the fields of a form that sets a password. */
export function NewPasswordFields<V extends NewPassword & FieldValues>({
  register,
  passwordTestId,
  confirmTestId,
}: {
  register: UseFormRegister<V>;
  passwordTestId: string;
  confirmTestId: string;
}) {
  const field = (name: keyof NewPassword) => ({ ...NEW_PASSWORD, ...register(name as Path<V>) });
  return (
    <>
      <Field label="New password" {...field("password")} data-testid={passwordTestId} />
      <Field label="New password, again" {...field("repeated")} data-testid={confirmTestId} />
    </>
  );
}
