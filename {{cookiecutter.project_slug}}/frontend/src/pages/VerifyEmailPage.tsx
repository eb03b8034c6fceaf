import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { verifyEmail } from "../api/account";
import { errorMessage } from "../api/auth";
import { useAuth } from "../components/auth";
import { useFragmentToken } from "../hooks/useFragmentToken";

const NO_TOKEN = "This link has no verification token. Open the link from the email again.";

export function VerifyEmailPage() {
  const { client, status } = useAuth();
  const token = useFragmentToken();
  // One request per token, however often the page mounts (a link works once).
  const verification = useQuery({
    queryKey: ["verify-email", token],
    queryFn: () => verifyEmail(client, token ?? ""),
    enabled: token !== null,
  });
  const outcome =
    token === null
      ? { state: "failed", message: NO_TOKEN }
      : verification.isError
        ? {
            state: "failed",
            message: errorMessage(verification.error, "The address could not be verified."),
          }
        : verification.isSuccess
          ? { state: "verified", message: verification.data }
          : { state: "pending", message: "" };

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
    <section className="card card-narrow">
      <h1>Verify your email</h1>
      {outcome.state === "pending" ? (
        <p className="text-muted" role="status" data-testid="verify-email-status">
          Verifying…
        </p>
      ) : outcome.state === "verified" ? (
        <p className="notice-success" role="status" data-testid="verify-email-result">
          {outcome.message}
        </p>
      ) : (
        <p className="m-0 text-error" role="alert" data-testid="verify-email-error">
          {outcome.message}
        </p>
      )}
      {outcome.state === "pending" ? null : (
        <p className="mt-4 mb-0 text-[0.95rem] [&_a]:tap">{next}</p>
      )}
    </section>
  );
}
