import { useAuth } from "../../components/auth";
import { EmailRequestForm } from "../../components/EmailRequestForm";
import { FormSuccess } from "../../components/FormMessage";
import { minutesText, requestMagicLink } from "./api";

const TEST_IDS = {
  form: "magic-link-form",
  email: "magic-link-email",
  error: "magic-link-request-error",
  submit: "magic-link-submit",
};

/** Under the password form: "Email me a sign-in link". */
export function MagicLinkRequest() {
  const { client } = useAuth();

  const send = (email: string) => requestMagicLink(client, email);

  return (
    <div data-testid="magic-link-request">
      <p className="mt-5 mb-3 flex items-center gap-3 text-sm text-muted before:flex-1 before:border-t before:border-line after:flex-1 after:border-t after:border-line">
        or
      </p>
      <EmailRequestForm
        send={send}
        renderSent={({ email, answer }, again) => (
          <div className="form">
            <FormSuccess testId="magic-link-sent">
              Check your email: we sent a sign-in link to {email}. Open it in this browser; it works
              once, for {minutesText(answer.expiresIn)}.
            </FormSuccess>
            <button
              type="button"
              className="btn-secondary"
              onClick={again}
              data-testid="magic-link-again"
            >
              Send another link
            </button>
          </div>
        )}
        fallback="The link could not be sent."
        label="Email me a sign-in link"
        submitLabel="Email me a sign-in link"
        placeholder="you@example.com"
        submitClassName="btn-secondary"
        testIds={TEST_IDS}
      />
    </div>
  );
}
