import { useState } from "react";

import { FormError } from "../../components/FormMessage";

export const SHOWN_ONCE =
  "Keep these codes somewhere safe, such as a password manager. If you lose your phone, each one signs you in once, " +
  "in place of a code from the app. They will not be shown again.";

/** New recovery codes, shown once: a list to write down, and a button that copies them all. */
export function RecoveryCodesPanel({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);

  const copy = async () => {
    try {
      // No clipboard in an insecure context (nor in tests): that throws too.
      await navigator.clipboard.writeText(codes.join("\n"));
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  return (
    <div
      className="my-3 rounded-lg border border-line px-4 py-3 [&_h3]:mt-0 [&_h3]:mb-2 [&_h3]:text-base"
      data-testid="totp-recovery-codes-panel"
    >
      <h3>Your recovery codes</h3>
      <p data-testid="totp-recovery-shown-once">{SHOWN_ONCE}</p>
      <ul
        className="my-3 grid list-none grid-cols-[repeat(2,max-content)] gap-x-6 gap-y-1 rounded-md bg-subtle px-4 py-3 font-mono text-base select-all"
        data-testid="totp-recovery-codes"
      >
        {codes.map((code) => (
          <li key={code} data-testid="totp-recovery-code">
            {code}
          </li>
        ))}
      </ul>
      {copied ? (
        <p className="text-muted" role="status" data-testid="totp-recovery-copied">
          Copied.
        </p>
      ) : null}
      <FormError testId="totp-recovery-copy-error">
        {copied === false
          ? "This browser would not copy them: select the codes and copy them by hand."
          : null}
      </FormError>
      <div className="actions">
        <button
          type="button"
          className="btn-secondary"
          onClick={() => void copy()}
          data-testid="totp-recovery-copy"
        >
          Copy the codes
        </button>
        <button type="button" onClick={onDone} data-testid="totp-recovery-done">
          I have saved them
        </button>
      </div>
    </div>
  );
}
