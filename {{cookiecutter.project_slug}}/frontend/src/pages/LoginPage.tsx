import { useState } from "react";
import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { z } from "zod/mini";

import type { LoginChallenge } from "../api/auth";
import { useAuth } from "../components/auth";
import { FormError } from "../components/FormMessage";
import { LoginChallengeStep } from "../components/LoginChallengeStep";
import { useFeatures } from "../features/context";
import { useFormMutation } from "../hooks/useFormMutation";

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

const loginSchema = z.object({ username: z.string().check(z.trim()), password: z.string() });

export function LoginPage() {
  const { status, login, notice } = useAuth();
  const features = useFeatures();
  const location = useLocation();
  const navigate = useNavigate();
  const [challenge, setChallenge] = useState<LoginChallenge | null>(null);
  const target = redirectTarget(location.state);
  const { form, problem, submitting, onSubmit } = useFormMutation({
    schema: loginSchema,
    defaultValues: { username: "", password: "" },
    send: ({ username, password }) => login(username, password),
    onSent: (result, { resetField }) => {
      if (result.kind === "challenge") {
        resetField("password");
        setChallenge(result.challenge);
      } else {
        void navigate(target, { replace: true });
      }
    },
    fallback: "Login failed.",
  });

  if (status === "authenticated" && !submitting) return <Navigate to={target} replace />;

  const onSignedIn = () => {
    void navigate(target, { replace: true });
  };

  const onRestart = (message: string | null) => {
    setChallenge(null);
    form.clearErrors();
    if (message) form.setError("root", { message });
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
            {...form.register("username")}
            autoComplete="username"
            required
            data-testid="login-email"
          />
        </label>
        <label>
          Password
          <input
            type="password"
            {...form.register("password")}
            autoComplete="current-password"
            required
            data-testid="login-password"
          />
        </label>
        <FormError testId="login-error">{problem}</FormError>
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
