import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, Navigate, useNavigate } from "react-router";

import { errorMessage } from "../../api/auth";
import { useAuth } from "../../components/auth";
import { LoginChallengeStep } from "../../components/LoginChallengeStep";
import { useFragmentToken } from "../../hooks/useFragmentToken";
import { verifyMagicLink } from "./api";

const NO_TOKEN =
  "This sign-in link is incomplete. Open the link from the email again, or ask for a new one.";

/** Where an emailed sign-in link lands: `/magic-link#token=...`. */
export function MagicLinkPage() {
  const { client, loadUser, status } = useAuth();
  // Verify after the session restore on start: both set the refresh cookie, and the link's must win.
  const ready = status !== "loading";
  const navigate = useNavigate();
  const token = useFragmentToken();
  // Why the further step the link led to was given up, once it was.
  const [restarted, setRestarted] = useState<string | null>(null);
  // One request per token, however often the page mounts (a link works once).
  const verification = useQuery({
    queryKey: ["magic-link", token],
    queryFn: async () => {
      const result = await verifyMagicLink(client, token ?? "");
      if (result.kind === "signed-in") await loadUser();
      return result;
    },
    enabled: token !== null && ready,
  });

  if (verification.data?.kind === "signed-in") return <Navigate to="/" replace />;
  const outcome =
    token === null
      ? { state: "failed" as const, message: NO_TOKEN }
      : restarted !== null
        ? { state: "failed" as const, message: restarted }
        : verification.isError
          ? {
              state: "failed" as const,
              message: errorMessage(verification.error, "Sign-in failed."),
            }
          : verification.data?.kind === "challenge"
            ? { state: "challenge" as const, challenge: verification.data.challenge }
            : { state: "verifying" as const };

  const onSignedIn = () => {
    void navigate("/", { replace: true });
  };

  const onRestart = (message: string | null) => {
    setRestarted(message ?? "Sign-in cancelled.");
  };

  return (
    <section className="card card-narrow" data-testid="magic-link-page">
      <h1>Log in</h1>
      {outcome.state === "verifying" ? (
        <p className="text-muted" role="status" data-testid="magic-link-status">
          Signing you in…
        </p>
      ) : outcome.state === "challenge" ? (
        <LoginChallengeStep
          challenge={outcome.challenge}
          onSignedIn={onSignedIn}
          onRestart={onRestart}
        />
      ) : (
        <>
          <p className="m-0 text-error" role="alert" data-testid="magic-link-error">
            {outcome.message}
          </p>
          <p className="mt-4 mb-0 text-[0.95rem] [&_a]:tap">
            <Link to="/login" data-testid="magic-link-login-link">
              Back to log in
            </Link>
          </p>
        </>
      )}
    </section>
  );
}
