import { type ChangeEvent, type SubmitEvent, useState } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";

import { ApiError } from "../api/auth";
import { useAuth } from "../components/auth";

function redirectTarget(state: unknown): string {
  if (typeof state === "object" && state !== null && "from" in state && typeof state.from === "string") {
    return state.from === "/login" ? "/" : state.from;
  }
  return "/";
}

export function LoginPage() {
  const { status, login } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const target = redirectTarget(location.state);

  if (status === "authenticated" && !submitting) return <Navigate to={target} replace />;

  const onEmailChange = (event: ChangeEvent<HTMLInputElement>) => {
    setEmail(event.target.value);
  };

  const onPasswordChange = (event: ChangeEvent<HTMLInputElement>) => {
    setPassword(event.target.value);
  };

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setSubmitting(true);
    login(email.trim(), password)
      .then(() => {
        void navigate(target, { replace: true });
      })
      .catch((err: unknown) => {
        setError(err instanceof ApiError ? err.message : "Login failed.");
      })
      .finally(() => {
        setSubmitting(false);
      });
  };

  return (
    <section className="card narrow">
      <h1>Log in</h1>
      <form onSubmit={onSubmit} data-testid="login-form" className="form">
        <label>
          Email
          <input
            type="email"
            name="username"
            autoComplete="username"
            required
            value={email}
            onChange={onEmailChange}
            data-testid="login-email"
          />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={onPasswordChange}
            data-testid="login-password"
          />
        </label>
        {error ? (
          <p className="form-error" role="alert" data-testid="login-error">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={submitting} data-testid="login-submit">
          {submitting ? "Logging in…" : "Log in"}
        </button>
      </form>
    </section>
  );
}
