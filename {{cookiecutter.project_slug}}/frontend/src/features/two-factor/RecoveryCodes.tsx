import { useState } from "react";
import { z } from "zod/mini";

import { useAuth } from "../../components/auth";
import { CurrentPasswordField } from "../../components/CurrentPasswordField";
import { FormError } from "../../components/FormMessage";
import { useFormMutation } from "../../hooks/useFormMutation";
import { newRecoveryCodes } from "./api";

export const SHOWN_ONCE =
  "Keep these codes somewhere safe, such as a password manager. If you lose your phone, each one signs you in once, " +
  "in place of a code from the app. They will not be shown again.";

/** A form that asks for the current password only. */
export const passwordSchema = z.object({ current: z.string() });

type CopyState = "idle" | "copied" | "failed";

/** The clipboard, where the page may use it (not in an insecure context, nor in tests). */
function clipboard(): Pick<Clipboard, "writeText"> | undefined {
  return (navigator as Partial<Navigator>).clipboard;
}

/** New recovery codes, shown once: a list to write down, and a button that copies them all. */
export function RecoveryCodesPanel({
  codes,
  onDone,
}: {
  codes: readonly string[];
  onDone: () => void;
}) {
  const [copy, setCopy] = useState<CopyState>("idle");

  const onCopy = () => {
    const target = clipboard();
    if (!target) {
      setCopy("failed");
      return;
    }
    target.writeText(codes.join("\n")).then(
      () => {
        setCopy("copied");
      },
      () => {
        setCopy("failed");
      },
    );
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
      {copy === "copied" ? (
        <p className="text-muted" role="status" data-testid="totp-recovery-copied">
          Copied.
        </p>
      ) : null}
      <FormError testId="totp-recovery-copy-error">
        {copy === "failed"
          ? "This browser would not copy them: select the codes and copy them by hand."
          : null}
      </FormError>
      <div className="actions">
        <button
          type="button"
          className="btn-secondary"
          onClick={onCopy}
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

/** "New recovery codes": with the password; the old codes stop working. */
export function NewRecoveryCodesForm({ onNewCodes }: { onNewCodes: (codes: string[]) => void }) {
  const { client } = useAuth();
  const { form, problem, submitting, onSubmit } = useFormMutation({
    schema: passwordSchema,
    defaultValues: { current: "" },
    send: ({ current }) => newRecoveryCodes(client, current),
    onSent: (codes, { reset }) => {
      reset();
      onNewCodes(codes);
    },
    fallback: "Could not make new recovery codes.",
  });

  return (
    <form onSubmit={onSubmit} data-testid="totp-recovery-form" className="form max-w-[380px]">
      <p className="text-muted">
        New recovery codes replace the ones you have: those stop working.
      </p>
      <CurrentPasswordField field={form.register("current")} testId="totp-recovery-password" />
      <FormError testId="totp-recovery-error">{problem}</FormError>
      <button
        type="submit"
        className="btn-secondary"
        disabled={submitting}
        data-testid="totp-recovery-submit"
      >
        {submitting ? "Making them…" : "New recovery codes"}
      </button>
    </form>
  );
}
