import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";

import { errorMessage, type LoginChallenge, type LoginResult } from "../../api/auth";
import { createSingleFlight } from "../../api/singleFlight";
import { useAuth } from "../../components/auth";
import { LoginChallengeStep } from "../../components/LoginChallengeStep";
import { useFragmentToken } from "../../hooks/useFragmentToken";
import { verifyMagicLink } from "./api";

type Outcome =
  | { state: "verifying" }
  | { state: "challenge"; challenge: LoginChallenge }
  | { state: "failed"; message: string };

const NO_TOKEN =
  "This sign-in link is incomplete. Open the link from the email again, or ask for a new one.";

// A link works once: StrictMode's second effect run must not spend it again.
const verifyOnce = createSingleFlight<LoginResult>();

/** Where an emailed sign-in link lands: `/magic-link#token=...`. */
export function MagicLinkPage() {
  const { client, loadUser, status } = useAuth();
  // Verify after the session restore on start: both set the refresh cookie, and the link's must win.
  const ready = status !== "loading";
  const navigate = useNavigate();
  const token = useFragmentToken();
  const [outcome, setOutcome] = useState<Outcome>(
    token === null ? { state: "failed", message: NO_TOKEN } : { state: "verifying" },
  );

  useEffect(() => {
    if (token === null || !ready) return;
    let active = true;
    const fail = (err: unknown) => {
      if (active) setOutcome({ state: "failed", message: errorMessage(err, "Sign-in failed.") });
    };
    verifyOnce(token, () => verifyMagicLink(client, token)).then((result) => {
      if (!active) return;
      if (result.kind === "challenge") {
        setOutcome({ state: "challenge", challenge: result.challenge });
        return;
      }
      loadUser().then(() => {
        if (active) void navigate("/", { replace: true });
      }, fail);
    }, fail);
    return () => {
      active = false;
    };
  }, [client, loadUser, navigate, ready, token]);

  const onSignedIn = () => {
    void navigate("/", { replace: true });
  };

  const onRestart = (message: string | null) => {
    setOutcome({ state: "failed", message: message ?? "Sign-in cancelled." });
  };

  return (
    <section className="card narrow" data-testid="magic-link-page">
      <h1>Log in</h1>
      {outcome.state === "verifying" ? (
        <p className="muted" role="status" data-testid="magic-link-status">
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
          <p className="form-error" role="alert" data-testid="magic-link-error">
            {outcome.message}
          </p>
          <p className="form-links">
            <Link to="/login" data-testid="magic-link-login-link">
              Back to log in
            </Link>
          </p>
        </>
      )}
    </section>
  );
}
