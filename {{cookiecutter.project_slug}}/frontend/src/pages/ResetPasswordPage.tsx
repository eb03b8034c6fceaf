import { type SubmitEvent, useState } from "react";
import { Link } from "react-router";

import { resetPassword } from "../api/account";
import { useAuth } from "../components/auth";
import { FormError, FormSuccess } from "../components/FormMessage";
import { NewPasswordFields, useNewPassword } from "../components/NewPasswordFields";
import { useFragmentToken } from "../hooks/useFragmentToken";
import { useSubmit } from "../hooks/useSubmit";

function AskForNewLink() {
  return (
    <p className="mt-4 mb-0 text-[0.95rem] [&_a]:tap">
      <Link to="/forgot-password" data-testid="reset-new-link">
        Ask for a new link
      </Link>
    </p>
  );
}

export function ResetPasswordPage() {
  const { client } = useAuth();
  const token = useFragmentToken();
  const newPassword = useNewPassword();
  const [result, setResult] = useState<string | null>(null);
  const { submitting, error, setError, run } = useSubmit("The password could not be changed.");

  if (token === null) {
    return (
      <section className="card card-narrow">
        <h1>Set a new password</h1>
        <FormError testId="reset-error">
          This link has no reset token. Open the link from the email again, or ask for a new one.
        </FormError>
        <AskForNewLink />
      </section>
    );
  }

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const problem = newPassword.problem();
    if (problem) {
      setError(problem);
      return;
    }
    run(
      () => resetPassword(client, token, newPassword.password),
      (message) => {
        // The server has ended every session of this user, this tab's included.
        client.tokens.clear();
        setResult(message);
      },
    );
  };

  if (result) {
    return (
      <section className="card card-narrow">
        <h1>Set a new password</h1>
        <FormSuccess testId="reset-result">{result}</FormSuccess>
        <p className="mt-4 mb-0 text-[0.95rem] [&_a]:tap">
          <Link to="/login" data-testid="reset-login-link">
            Log in with your new password
          </Link>
        </p>
      </section>
    );
  }

  return (
    <section className="card card-narrow">
      <h1>Set a new password</h1>
      <form onSubmit={onSubmit} data-testid="reset-form" className="form">
        <NewPasswordFields
          value={newPassword}
          passwordTestId="reset-password"
          confirmTestId="reset-password-confirm"
        />
        <FormError testId="reset-error">{error}</FormError>
        <button type="submit" disabled={submitting} data-testid="reset-submit">
          {submitting ? "Saving…" : "Set the new password"}
        </button>
      </form>
      <AskForNewLink />
    </section>
  );
}
