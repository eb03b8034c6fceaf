import { useState } from "react";
import { Link, Navigate, useLocation } from "react-router";
import { z } from "zod/mini";

import type { LoginChallenge } from "../api/auth";
import { useAuth } from "../components/auth";
import { CurrentPasswordField, Field } from "../components/CurrentPasswordField";
import { FormError } from "../components/FormMessage";
import { LoginChallengeStep } from "../components/LoginChallengeStep";
import { useFeatures } from "../features/context";
import { useFormMutation } from "../hooks/useFormMutation";

const loginSchema = z.object({ username: z.string().check(z.trim()), password: z.string() });

/** What RequireAuth puts in the location's state: the page to go back to. */
const redirectState = z.object({ from: z.string() });

export function LoginPage() {
  const { status, login, notice } = useAuth();
  const features = useFeatures();
  const [challenge, setChallenge] = useState<LoginChallenge | null>(null);
  const from = redirectState.safeParse(useLocation().state).data?.from ?? "/login";
  const target = from === "/login" ? "/" : from;
  const { form, problem, submitting, onSubmit } = useFormMutation({
    schema: loginSchema,
    defaultValues: { username: "", password: "" },
    send: ({ username, password }) => login(username, password),
    onSent: (result, { resetField }) => {
      if (result.kind === "signed-in") return;
      resetField("password");
      setChallenge(result.challenge);
    },
    fallback: "Login failed.",
  });

  // Signed in, with the password or a further step: on to the page asked for.
  if (status === "authenticated" && !submitting) return <Navigate to={target} replace />;

  const onRestart = (message: string | null) => {
    setChallenge(null);
    form.clearErrors();
    if (message) form.setError("root", { message });
  };

  if (challenge) {
    return (
      <section className="card card-narrow" data-testid="login-challenge">
        <h1>Log in</h1>
        <LoginChallengeStep
          challenge={challenge}
          onSignedIn={() => undefined}
          onRestart={onRestart}
        />
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
        <Field
          label="Email"
          type="email"
          {...form.register("username")}
          autoComplete="username"
          required
          data-testid="login-email"
        />
        <CurrentPasswordField
          label="Password"
          field={form.register("password")}
          testId="login-password"
        />
        <FormError testId="login-error">{problem}</FormError>
        <button type="submit" disabled={submitting} data-testid="login-submit">
          {submitting ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p className="link-row">
        <Link to="/forgot-password" data-testid="forgot-password-link">
          Forgot your password?
        </Link>
      </p>
      {features.map(({ id, LoginExtra }) => (LoginExtra ? <LoginExtra key={id} /> : null))}
    </section>
  );
}
