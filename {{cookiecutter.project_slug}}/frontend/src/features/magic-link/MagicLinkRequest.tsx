import { type ChangeEvent, type SubmitEvent, useState } from "react";

import { errorMessage } from "../../api/auth";
import { useAuth } from "../../components/auth";
import { minutesText, requestMagicLink } from "./api";

interface Sent {
  email: string;
  expiresIn: number;
}

/** Under the password form: "Email me a sign-in link". */
export function MagicLinkRequest() {
  const { client } = useAuth();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState<Sent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const onEmailChange = (event: ChangeEvent<HTMLInputElement>) => {
    setEmail(event.target.value);
  };

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const address = email.trim();
    setError(null);
    setSubmitting(true);
    requestMagicLink(client, address)
      .then(({ expiresIn }) => {
        setSent({ email: address, expiresIn });
      })
      .catch((err: unknown) => {
        setError(errorMessage(err, "The link could not be sent."));
      })
      .finally(() => {
        setSubmitting(false);
      });
  };

  const onAgain = () => {
    setSent(null);
  };

  return (
    <div data-testid="magic-link-request">
      <p className="form-divider">or</p>
      {sent ? (
        <div className="form">
          <p className="notice notice-success" role="status" data-testid="magic-link-sent">
            Check your email: we sent a sign-in link to {sent.email}. Open it in this browser; it works once, for{" "}
            {minutesText(sent.expiresIn)}.
          </p>
          <button type="button" className="secondary" onClick={onAgain} data-testid="magic-link-again">
            Send another link
          </button>
        </div>
      ) : (
        <form onSubmit={onSubmit} data-testid="magic-link-form" className="form">
          <label>
            Email me a sign-in link
            <input
              type="email"
              name="email"
              autoComplete="email"
              placeholder="you@example.com"
              required
              value={email}
              onChange={onEmailChange}
              data-testid="magic-link-email"
            />
          </label>
          {error ? (
            <p className="form-error" role="alert" data-testid="magic-link-request-error">
              {error}
            </p>
          ) : null}
          <button type="submit" className="secondary" disabled={submitting} data-testid="magic-link-submit">
            {submitting ? "Sending…" : "Email me a sign-in link"}
          </button>
        </form>
      )}
    </div>
  );
}
