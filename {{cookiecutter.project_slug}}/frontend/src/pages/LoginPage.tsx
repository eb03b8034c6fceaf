import { type ChangeEvent, type SubmitEvent, useState } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";

import type { LoginChallenge } from "../api/auth";
import { useAuth } from "../components/auth";
import { FormError } from "../components/FormMessage";
import { LoginChallengeStep } from "../components/LoginChallengeStep";
import { useFeatures } from "../features/context";
import { useSubmit } from "../hooks/useSubmit";

function redirectTarget(state: unknown): string {
  if (
    typeof state === "object" &&
    state !== null &&
    "from" in state &&
    typeof state.from === "string"
  ) {
    return state.from === "/login" ? "/" : state.from;
  }
  return "/";
}

export function LoginPage() {
  const { status, login, notice } = useAuth();
  const features = useFeatures();
  const location = useLocation();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { submitting, error, setError, run } = useSubmit("Login failed.");
  const [challenge, setChallenge] = useState<LoginChallenge | null>(null);
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
    run(
      () => login(email.trim(), password),
      (result) => {
        if (result.kind === "challenge") {
          setPassword("");
          setChallenge(result.challenge);
        } else {
          void navigate(target, { replace: true });
        }
      },
    );
  };

  const onSignedIn = () => {
    void navigate(target, { replace: true });
  };

  const onRestart = (message: string | null) => {
    setChallenge(null);
    setError(message);
  };

  if (challenge) {
    return (
      <section className="card card-narrow" data-testid="login-challenge">
        <h1>Log in</h1>
        <LoginChallengeStep challenge={challenge} onSignedIn={onSignedIn} onRestart={onRestart} />
      </section>
    );
  }

  return (
    <section className="card card-narrow">
      <h1>Log in</h1>
      {notice ? (
        <p className="notice-info" role="status" data-testid="login-notice">
          {notice}
        </p>
      ) : null}
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
        <FormError testId="login-error">{error}</FormError>
        <button type="submit" disabled={submitting} data-testid="login-submit">
          {submitting ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p className="mt-4 mb-0 text-[0.95rem] [&_a]:tap">
        <Link to="/forgot-password" data-testid="forgot-password-link">
          Forgot your password?
        </Link>
      </p>
      {features.map(({ id, LoginExtra }) => (LoginExtra ? <LoginExtra key={id} /> : null))}
    </section>
  );
}
