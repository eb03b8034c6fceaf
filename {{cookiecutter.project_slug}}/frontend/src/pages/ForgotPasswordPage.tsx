import { type ChangeEvent, type SubmitEvent, useState } from "react";
import { Link } from "react-router";

import { requestPasswordRecovery } from "../api/account";
import { errorMessage } from "../api/auth";
import { useAuth } from "../components/auth";

export function ForgotPasswordPage() {
  const { client } = useAuth();
  const [email, setEmail] = useState("");
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const onEmailChange = (event: ChangeEvent<HTMLInputElement>) => {
    setEmail(event.target.value);
  };

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setSubmitting(true);
    requestPasswordRecovery(client, email.trim())
      .then(setResult)
      .catch((err: unknown) => {
        setError(errorMessage(err, "The request failed."));
      })
      .finally(() => {
        setSubmitting(false);
      });
  };

  return (
    <section className="card narrow">
      <h1>Reset your password</h1>
      {result ? (
        <p className="notice notice-success" role="status" data-testid="forgot-result">
          {result}
        </p>
      ) : (
        <form onSubmit={onSubmit} data-testid="forgot-form" className="form">
          <p className="muted">Enter your account&apos;s email address: we will mail it a link to set a new password.</p>
          <label>
            Email
            <input
              type="email"
              name="email"
              autoComplete="email"
              required
              value={email}
              onChange={onEmailChange}
              data-testid="forgot-email"
            />
          </label>
          {error ? (
            <p className="form-error" role="alert" data-testid="forgot-error">
              {error}
            </p>
          ) : null}
          <button type="submit" disabled={submitting} data-testid="forgot-submit">
            {submitting ? "Sending…" : "Email me a reset link"}
          </button>
        </form>
      )}
      <p className="form-links">
        <Link to="/login" data-testid="forgot-login-link">
          Back to log in
        </Link>
      </p>
    </section>
  );
}
