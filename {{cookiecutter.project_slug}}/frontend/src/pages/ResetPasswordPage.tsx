import { type ChangeEvent, type SubmitEvent, useState } from "react";
import { Link } from "react-router";

import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, newPasswordProblem, resetPassword } from "../api/account";
import { errorMessage } from "../api/auth";
import { useAuth } from "../components/auth";
import { useFragmentToken } from "../hooks/useFragmentToken";

export function ResetPasswordPage() {
  const { client } = useAuth();
  const token = useFragmentToken();
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  if (token === null) {
    return (
      <section className="card narrow">
        <h1>Set a new password</h1>
        <p className="form-error" role="alert" data-testid="reset-error">
          This link has no reset token. Open the link from the email again, or ask for a new one.
        </p>
        <p className="form-links">
          <Link to="/forgot-password" data-testid="reset-new-link">
            Ask for a new link
          </Link>
        </p>
      </section>
    );
  }

  const onPasswordChange = (event: ChangeEvent<HTMLInputElement>) => {
    setPassword(event.target.value);
  };

  const onRepeatedChange = (event: ChangeEvent<HTMLInputElement>) => {
    setRepeated(event.target.value);
  };

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const problem = newPasswordProblem(password, repeated);
    setError(problem);
    if (problem) return;
    setSubmitting(true);
    resetPassword(client, token, password)
      .then((message) => {
        // The server has ended every session of this user, this tab's included.
        client.tokens.clear();
        setResult(message);
      })
      .catch((err: unknown) => {
        setError(errorMessage(err, "The password could not be changed."));
      })
      .finally(() => {
        setSubmitting(false);
      });
  };

  if (result) {
    return (
      <section className="card narrow">
        <h1>Set a new password</h1>
        <p className="notice notice-success" role="status" data-testid="reset-result">
          {result}
        </p>
        <p className="form-links">
          <Link to="/login" data-testid="reset-login-link">
            Log in with your new password
          </Link>
        </p>
      </section>
    );
  }

  return (
    <section className="card narrow">
      <h1>Set a new password</h1>
      <form onSubmit={onSubmit} data-testid="reset-form" className="form">
        <label>
          New password
          <input
            type="password"
            name="new-password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            maxLength={MAX_PASSWORD_LENGTH}
            value={password}
            onChange={onPasswordChange}
            data-testid="reset-password"
          />
        </label>
        <label>
          New password, again
          <input
            type="password"
            name="new-password-again"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            maxLength={MAX_PASSWORD_LENGTH}
            value={repeated}
            onChange={onRepeatedChange}
            data-testid="reset-password-confirm"
          />
        </label>
        {error ? (
          <p className="form-error" role="alert" data-testid="reset-error">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={submitting} data-testid="reset-submit">
          {submitting ? "Saving…" : "Set the new password"}
        </button>
      </form>
      <p className="form-links">
        <Link to="/forgot-password" data-testid="reset-new-link">
          Ask for a new link
        </Link>
      </p>
    </section>
  );
}
