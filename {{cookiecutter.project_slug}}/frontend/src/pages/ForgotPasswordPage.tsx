import { Link } from "react-router";

import { requestPasswordRecovery } from "../api/account";
import { useAuth } from "../components/auth";
import { EmailRequestForm } from "../components/EmailRequestForm";
import { FormSuccess } from "../components/FormMessage";

export function ForgotPasswordPage() {
  const { client } = useAuth();
  return (
    <section className="card card-narrow">
      <h1>Reset your password</h1>
      <EmailRequestForm
        send={(email) => requestPasswordRecovery(client, email)}
        renderSent={({ answer }) => <FormSuccess testId="forgot-result">{answer}</FormSuccess>}
        fallback="The request failed."
        label="Email"
        submitLabel="Email me a reset link"
        intro={
          <p className="text-muted">
            Enter your account&apos;s email address: we will mail it a link to set a new password.
          </p>
        }
        testId="forgot"
      />
      <p className="link-row">
        <Link to="/login" data-testid="forgot-login-link">
          Back to log in
        </Link>
      </p>
    </section>
  );
}
