import { useEffect, useState } from "react";
import { Link } from "react-router";

import { verifyEmail } from "../api/account";
import { errorMessage } from "../api/auth";
import { createSingleFlight } from "../api/singleFlight";
import { useAuth } from "../components/auth";
import { useFragmentToken } from "../hooks/useFragmentToken";

type Outcome =
  | { state: "pending" }
  | { state: "verified"; message: string }
  | { state: "failed"; message: string };

const verifyOnce = createSingleFlight<string>();

export function VerifyEmailPage() {
  const { client, status } = useAuth();
  const token = useFragmentToken();
  const [outcome, setOutcome] = useState<Outcome>(
    token === null
      ? {
          state: "failed",
          message: "This link has no verification token. Open the link from the email again.",
        }
      : { state: "pending" },
  );

  useEffect(() => {
    if (token === null) return;
    let active = true;
    verifyOnce(token, () => verifyEmail(client, token)).then(
      (message) => {
        if (active) setOutcome({ state: "verified", message });
      },
      (err: unknown) => {
        if (active)
          setOutcome({
            state: "failed",
            message: errorMessage(err, "The address could not be verified."),
          });
      },
    );
    return () => {
      active = false;
    };
  }, [client, token]);

  const next =
    status === "authenticated" ? (
      <Link to="/account" data-testid="verify-email-next">
        Go to your account
      </Link>
    ) : (
      <Link to="/login" data-testid="verify-email-next">
        Log in
      </Link>
    );

  return (
    <section className="card narrow">
      <h1>Verify your email</h1>
      {outcome.state === "pending" ? (
        <p className="muted" role="status" data-testid="verify-email-status">
          Verifying…
        </p>
      ) : outcome.state === "verified" ? (
        <p className="notice notice-success" role="status" data-testid="verify-email-result">
          {outcome.message}
        </p>
      ) : (
        <p className="form-error" role="alert" data-testid="verify-email-error">
          {outcome.message}
        </p>
      )}
      {outcome.state === "pending" ? null : <p className="form-links">{next}</p>}
    </section>
  );
}
