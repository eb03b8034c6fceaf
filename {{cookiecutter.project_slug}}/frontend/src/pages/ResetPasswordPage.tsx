import { Link } from "react-router";

import { resetPassword } from "../api/account";
import { useAuth } from "../components/auth";
import { FormError, FormSuccess } from "../components/FormMessage";
import {
  NewPasswordFields,
  newPasswordSchema,
  NO_NEW_PASSWORD,
} from "../components/NewPasswordFields";
import { useFragmentToken } from "../hooks/useFragmentToken";
import { useFormMutation } from "../hooks/useFormMutation";

function AskForNewLink() {
  return (
    <p className="mt-4 mb-0 text-[0.95rem] [&_a]:tap">
      <Link to="/forgot-password" data-testid="reset-new-link">
        Ask for a new link
      </Link>
    </p>
  );
}

export function ResetPasswordPage() {
  const { client } = useAuth();
  const token = useFragmentToken();
  const { form, mutation, problem, submitting, onSubmit } = useFormMutation({
    schema: newPasswordSchema,
    defaultValues: NO_NEW_PASSWORD,
    send: ({ password }) => resetPassword(client, token ?? "", password),
    // The server has ended every session of this user, this tab's included.
    onSent: () => {
      client.tokens.clear();
    },
    fallback: "The password could not be changed.",
  });

  if (token === null) {
    return (
      <section className="card card-narrow">
        <h1>Set a new password</h1>
        <FormError testId="reset-error">
          This link has no reset token. Open the link from the email again, or ask for a new one.
        </FormError>
        <AskForNewLink />
      </section>
    );
  }

  if (mutation.data) {
    return (
      <section className="card card-narrow">
        <h1>Set a new password</h1>
        <FormSuccess testId="reset-result">{mutation.data}</FormSuccess>
        <p className="mt-4 mb-0 text-[0.95rem] [&_a]:tap">
          <Link to="/login" data-testid="reset-login-link">
            Log in with your new password
          </Link>
        </p>
      </section>
    );
  }

  return (
    <section className="card card-narrow">
      <h1>Set a new password</h1>
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
      <AskForNewLink />
    </section>
  );
}
