import { verifyEmail } from "../api/account";
import { useAuth } from "../components/auth";
import { EmailLinkPage } from "../components/EmailLinkPage";

export function VerifyEmailPage() {
  const { client } = useAuth();
  return (
    <EmailLinkPage
      id="verify-email"
      title="Verify your email"
      send={(token) => verifyEmail(client, token)}
      pending="Verifying…"
      noToken="This link has no verification token. Open the link from the email again."
      fallback="The address could not be verified."
    />
  );
}
