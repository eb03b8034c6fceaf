import { Link } from "react-router";

import { confirmEmailChange } from "../api/account";
import { useAuth } from "../components/auth";
import { EmailLinkPage } from "../components/EmailLinkPage";

export const SIGN_IN_AGAIN =
  "Every session of your account has ended: log in again, with your new address.";

/** Where the link mailed to a new address lands: `/confirm-email#token=...`. */
export function ConfirmEmailPage() {
  const { client, status } = useAuth();
  return (
    <EmailLinkPage
      id="confirm-email"
      title="Confirm your new email"
      send={(token) => confirmEmailChange(client, token)}
      pending="Changing your address…"
      noToken="This link has no confirmation token. Open the link from the email again."
      fallback="The address could not be changed."
      // After the session restore on start, so that it cannot bring back a session the change ends.
      ready={status !== "loading"}
      done={
        <>
          <p data-testid="confirm-email-sign-in-again">{SIGN_IN_AGAIN}</p>
          <p className="link-row">
            <Link to="/login" data-testid="confirm-email-login-link">
              Log in
            </Link>
          </p>
        </>
      }
    />
  );
}
