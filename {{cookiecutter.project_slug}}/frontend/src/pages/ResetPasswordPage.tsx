import { Link } from "react-router";

import { resetPassword } from "../api/account";
import { useAuth } from "../components/auth";
import { FormError, FormSuccess } from "../components/FormMessage";
import {
  NewPasswordFields,
  newPasswordSchema,
  NO_NEW_PASSWORD,
} from "../components/NewPasswordFields";
import { useFormMutation } from "../hooks/useFormMutation";
import { useFragmentToken } from "../hooks/useFragmentToken";

export function ResetPasswordPage() {
  const { client } = useAuth();
  const token = useFragmentToken();
  const { form, mutation, problem, submitting, onSubmit } = useFormMutation({
    schema: newPasswordSchema,
    defaultValues: NO_NEW_PASSWORD,
    send: ({ password }) => resetPassword(client, token ?? "", password),
    fallback: "The password could not be changed.",
  });
  const [to, testId, text] = mutation.isSuccess
    ? ["/login", "reset-login-link", "Log in with your new password"]
    : ["/forgot-password", "reset-new-link", "Ask for a new link"];

  return (
    <section className="card card-narrow">
      <h1>Set a new password</h1>
      {token === null ? (
        <FormError testId="reset-error">
          This link has no reset token. Open the link from the email again, or ask for a new one.
        </FormError>
      ) : mutation.isSuccess ? (
        <FormSuccess testId="reset-result">{mutation.data}</FormSuccess>
      ) : (
        <form onSubmit={onSubmit} data-testid="reset-form" className="form">
          <NewPasswordFields
            register={form.register}
            passwordTestId="reset-password"
            confirmTestId="reset-password-confirm"
          />
          <FormError testId="reset-error">{problem}</FormError>
          <button type="submit" disabled={submitting} data-testid="reset-submit">
            {submitting ? "Saving…" : "Set the new password"}
          </button>
        </form>
      )}
      <p className="link-row">
        <Link to={to} data-testid={testId}>
          {text}
        </Link>
      </p>
    </section>
  );
}
