import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { confirmEmailChange } from "../api/account";
import { errorMessage } from "../api/auth";
import { useAuth } from "../components/auth";
import { useFragmentToken } from "../hooks/useFragmentToken";

const NO_TOKEN = "This link has no confirmation token. Open the link from the email again.";

export const SIGN_IN_AGAIN =
  "Every session of your account has ended: log in again, with your new address.";

/** Where the link mailed to a new address lands: `/confirm-email#token=...`. */
export function ConfirmEmailPage() {
  const { client, status } = useAuth();
  // Confirm after the session restore on start, so that a restore cannot bring back a session the change ends.
  const ready = status !== "loading";
  const token = useFragmentToken();
  // One request per token, however often the page mounts (a link works once).
  const confirmation = useQuery({
    queryKey: ["confirm-email", token],
    queryFn: async () => {
      const message = await confirmEmailChange(client, token ?? "");
      // The server has ended every session of this user, this tab's included.
      client.tokens.clear();
      return message;
    },
    enabled: token !== null && ready,
  });
  const outcome =
    token === null
      ? { state: "failed", message: NO_TOKEN }
      : confirmation.isError
        ? {
            state: "failed",
            message: errorMessage(confirmation.error, "The address could not be changed."),
          }
        : confirmation.isSuccess
          ? { state: "changed", message: confirmation.data }
          : { state: "pending", message: "" };

  return (
    <section className="card card-narrow">
      <h1>Confirm your new email</h1>
      {outcome.state === "pending" ? (
        <p className="text-muted" role="status" data-testid="confirm-email-status">
          Changing your address…
        </p>
      ) : outcome.state === "changed" ? (
        <>
          <p className="notice-success" role="status" data-testid="confirm-email-result">
            {outcome.message}
          </p>
          <p data-testid="confirm-email-sign-in-again">{SIGN_IN_AGAIN}</p>
          <p className="mt-4 mb-0 text-[0.95rem] [&_a]:tap">
            <Link to="/login" data-testid="confirm-email-login-link">
              Log in
            </Link>
          </p>
        </>
      ) : (
        <>
          <p className="m-0 text-error" role="alert" data-testid="confirm-email-error">
            {outcome.message}
          </p>
          <p className="mt-4 mb-0 text-[0.95rem] [&_a]:tap">
            {status === "authenticated" ? (
              <Link to="/account" data-testid="confirm-email-next">
                Go to your account
              </Link>
            ) : (
              <Link to="/login" data-testid="confirm-email-next">
                Log in
              </Link>
            )}
          </p>
        </>
      )}
    </section>
  );
}
