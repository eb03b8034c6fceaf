import { type ChangeEvent, useState } from "react";

import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, newPasswordProblem } from "../api/account";

export interface NewPassword {
  password: string;
  repeated: string;
  setPassword: (password: string) => void;
  setRepeated: (repeated: string) => void;
  /** Why the password cannot be sent (too short, too long, the two differ), or null when it can. */
  problem: () => string | null;
  clear: () => void;
}

/** A new password typed twice, for <NewPasswordFields>. */
export function useNewPassword(): NewPassword {
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  return {
    password,
    repeated,
    setPassword,
    setRepeated,
    problem: () => newPasswordProblem(password, repeated),
    clear: () => {
      setPassword("");
      setRepeated("");
    },
  };
}

interface NewPasswordFieldsProps {
  value: NewPassword;
  passwordTestId: string;
  confirmTestId: string;
}

function PasswordInput({
  label,
  name,
  value,
  onChange,
  testId,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  testId: string;
}) {
  const onInput = (event: ChangeEvent<HTMLInputElement>) => {
    onChange(event.target.value);
  };
  return (
    <label>
      {label}
      <input
        type="password"
        name={name}
        autoComplete="new-password"
        required
        minLength={MIN_PASSWORD_LENGTH}
        maxLength={MAX_PASSWORD_LENGTH}
        value={value}
        onChange={onInput}
        data-testid={testId}
      />
    </label>
  );
}

/** "New password" and "New password, again": the fields of a form that sets a password. */
export function NewPasswordFields({
  value,
  passwordTestId,
  confirmTestId,
}: NewPasswordFieldsProps) {
  return (
    <>
      <PasswordInput
        label="New password"
        name="new-password"
        value={value.password}
        onChange={value.setPassword}
        testId={passwordTestId}
      />
      <PasswordInput
        label="New password, again"
        name="new-password-again"
        value={value.repeated}
        onChange={value.setRepeated}
        testId={confirmTestId}
      />
    </>
  );
}
