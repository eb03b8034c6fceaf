// Sign-in links sent by email. Delete this folder to remove the feature.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, Navigate, useNavigate } from "react-router";

import { useAuth } from "../../components/auth";
import { Button } from "../../components/Button";
import { EmailRequestForm } from "../../components/EmailRequestForm";
import { FormError, FormSuccess } from "../../components/FormMessage";
import { LoginChallengeStep } from "../../components/LoginChallengeStep";
import { useFragmentToken } from "../../hooks/useFragmentToken";
import { failure } from "../../hooks/useFormMutation";
import type { AuthFeature } from "../types";
import { requestLink, signInWithLink } from "./client";

const NO_TOKEN =
  "This sign-in link is incomplete. Open the link from the email again, or ask for a new one.";

/** "15 minutes", "1 minute": how long a link works, rounded up. */
export function minutesText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? "1 minute" : `${String(minutes)} minutes`;
}

/** Under the password form: "Email me a sign-in link". */
function MagicLinkRequest() {
  const { client } = useAuth();
  return (
    <div data-testid="magic-link-request">
      <p className="mt-5 mb-3 flex items-center gap-3 text-sm text-muted before:flex-1 before:border-t before:border-line after:flex-1 after:border-t after:border-line">
        or
      </p>
      <EmailRequestForm
        // The answer also sets an HttpOnly cookie (the request's claim): the link works here only.
        send={(email) => requestLink({ client: client.http, body: { email } })}
        renderSent={({ email, answer }, again) => (
          <div className="form">
            <FormSuccess testId="magic-link-sent">
              Check your email: we sent a sign-in link to {email}. Open it in this browser; it works
              once, for {minutesText(answer.expires_in)}.
            </FormSuccess>
            <Button onClick={again} data-testid="magic-link-again">
              Send another link
            </Button>
          </div>
        )}
        fallback="The link could not be sent."
        label="Email me a sign-in link"
        submitLabel="Email me a sign-in link"
        placeholder="you@example.com"
        submitClassName="btn-secondary"
        testId="magic-link-request"
      />
    </div>
  );
}

/** Where an emailed sign-in link lands: `/magic-link#token=...`. */
function MagicLinkPage() {
  const { client, loadUser, status } = useAuth();
  const navigate = useNavigate();
  const token = useFragmentToken();
  // Why the further step the link led to was given up, once it was.
  const [restarted, setRestarted] = useState<string | null>(null);
  // One request per token, however often the page mounts (a link works once). Only after the
  // session restore on start: both set the refresh cookie, and the link's must win.
  const { data, error } = useQuery({
    queryKey: ["magic-link", token],
    queryFn: async () => {
      const answer = await signInWithLink({ client: client.http, body: { token: token ?? "" } });
      const result = client.signIn(answer);
      if (result.kind === "signed-in") await loadUser();
      return result;
    },
    enabled: token !== null && status !== "loading",
  });
  const failed = token === null ? NO_TOKEN : (restarted ?? failure(error, "Sign-in failed."));

  if (data?.kind === "signed-in") return <Navigate to="/" replace />;
  return (
    <section className="card card-narrow" data-testid="magic-link-page">
      <h1>Log in</h1>
      {failed !== null ? (
        <>
          <FormError testId="magic-link-error">{failed}</FormError>
          <p className="link-row">
            <Link to="/login" data-testid="magic-link-login-link">
              Back to log in
            </Link>
          </p>
        </>
      ) : data?.kind === "challenge" ? (
        <LoginChallengeStep
          challenge={data.challenge}
          onSignedIn={() => void navigate("/", { replace: true })}
          onRestart={(message) => {
            setRestarted(message ?? "Sign-in cancelled.");
          }}
        />
      ) : (
        <p className="text-muted" role="status" data-testid="magic-link-status">
          Signing you in…
        </p>
      )}
    </section>
  );
}

export const feature: AuthFeature = {
  id: "magic-link",
  routes: [{ path: "/magic-link", element: <MagicLinkPage /> }],
  LoginExtra: MagicLinkRequest,
};
