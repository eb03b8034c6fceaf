import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { useAuth } from "../../components/auth";
import { Button } from "../../components/Button";
import { FormError, FormSuccess } from "../../components/FormMessage";
import { failure } from "../../hooks/useFormMutation";
import {
  confirmTwoFactor,
  disableTwoFactor,
  type RecoveryCodes,
  renewRecoveryCodes,
  startTwoFactor,
  twoFactorStatus,
  type TwoFactorEnrolment,
  type TwoFactorStatus,
} from "./client";
import { CODE_LABEL, CodeForm } from "./CodeForm";

/** With this many recovery codes left or fewer, the page suggests new ones. */
const FEW_CODES_LEFT = 3;
const STATUS_KEY = ["two-factor-status"];

export const TURNED_ON = "Two-factor sign-in is on.";
export const NEW_CODES = "New recovery codes are ready: the old ones no longer work.";

/** The secret in groups of four, as authenticator apps show it. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, "").match(/.{1,4}/g) ?? []).join(" ");
}

/** An `<img>` source for an SVG document (never injected as markup). */
export function svgDataUri(svg: string): string {
  return "data:image/svg+xml;utf8," + encodeURIComponent(svg);
}

export const SHOWN_ONCE =
  "Keep these codes somewhere safe, such as a password manager. If you lose your phone, each one signs you in once, " +
  "in place of a code from the app. They will not be shown again.";

/** New recovery codes, shown once: a list to write down, and a button that copies them all. */
function RecoveryCodesPanel({ codes, onDone }: { codes: string[]; onDone: () => void }) {
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
        <Button onClick={() => void copy()} data-testid="totp-recovery-copy">
          Copy the codes
        </Button>
        <button type="button" onClick={onDone} data-testid="totp-recovery-done">
          I have saved them
        </button>
      </div>
    </div>
  );
}

/** The account page's "Two-factor authentication" section. */
export function TwoFactorSettings() {
  const { client } = useAuth();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: STATUS_KEY,
    queryFn: () => twoFactorStatus({ client: client.api }),
    gcTime: 0,
  });
  const status = query.data;
  const [enrolment, setEnrolment] = useState<TwoFactorEnrolment | null>(null);
  // Recovery codes are shown once, right after they are made, and kept nowhere else.
  const [notice, setNotice] = useState<{ message?: string; error?: string; codes?: string[] }>({});
  const left = status?.recovery_codes_left ?? 0;
  const few = left <= FEW_CODES_LEFT;

  const setStatus = (enabled: boolean, count: number) => {
    queryClient.setQueryData<TwoFactorStatus>(STATUS_KEY, { enabled, recovery_codes_left: count });
  };

  // The server's answers say the same as the codes' panel: the page words these itself.
  const showCodes =
    (message: string) =>
    ({ recovery_codes: codes }: RecoveryCodes) => {
      setEnrolment(null);
      setStatus(true, codes.length);
      setNotice({ message, codes });
    };

  // 409: turned on already (in another tab), or no set-up waiting: the server's word on it.
  const conflict = {
    status: 409,
    handle: (message: string) => {
      setEnrolment(null);
      setNotice({ error: message });
      void query.refetch();
    },
  };

  const password = (current: string) => ({ current_password: current });

  return (
    <section
      className="mt-5 border-t border-line first-of-type:mt-0 first-of-type:border-t-0"
      data-testid="totp-section"
      aria-labelledby="account-two-factor-title"
    >
      <h2 id="account-two-factor-title">Two-factor authentication</h2>
      <p>
        Status:{" "}
        <span
          className={status?.enabled ? "badge-ok" : "badge"}
          data-testid="totp-status"
          data-enabled={status ? String(status.enabled) : "unknown"}
        >
          {status ? (status.enabled ? "On" : "Off") : "…"}
        </span>
      </p>
      <p className="text-muted">
        With two-factor authentication on, signing in also asks for a code from an authenticator app
        on your phone, or one of your recovery codes.
      </p>
      <FormSuccess testId="totp-message">{notice.message}</FormSuccess>
      <FormError testId="totp-error">
        {notice.error ?? failure(query.error, "Could not load the two-factor settings.")}
      </FormError>
      {status?.enabled === false && enrolment ? (
        <div data-testid="totp-enrolment">
          <p>
            Scan this QR code with an authenticator app (such as Google Authenticator, Aegis or
            1Password), or type the key in by hand.
          </p>
          <img
            className="my-3 block size-[200px] [image-rendering:pixelated]"
            alt="QR code for your authenticator app"
            src={svgDataUri(enrolment.qr_svg)}
            data-testid="totp-qr"
          />
          <p>
            Key:{" "}
            <code
              className="inline-block rounded-md bg-subtle px-2 py-1 font-mono text-base wrap-anywhere select-all"
              data-testid="totp-secret"
              data-secret={enrolment.secret}
            >
              {groupSecret(enrolment.secret)}
            </code>
          </p>
          <p className="text-muted">
            On this phone?{" "}
            <a href={enrolment.otpauth_uri}>Open the key in your authenticator app</a>.
          </p>
          <CodeForm
            id="totp-confirm"
            send={({ code }) => confirmTwoFactor({ client: client.api, body: { code } })}
            onDone={showCodes(TURNED_ON)}
            fatal={conflict}
            code="Code from the app"
            submit="Turn on"
            row
            extra={
              <Button
                onClick={() => {
                  setEnrolment(null);
                }}
                data-testid="totp-cancel"
              >
                Cancel
              </Button>
            }
          />
        </div>
      ) : null}
      {status?.enabled === false && !enrolment ? (
        <CodeForm
          id="totp-enable"
          password
          send={({ current }) => startTwoFactor({ client: client.api, body: password(current) })}
          onDone={(started) => {
            setNotice({});
            setEnrolment(started);
          }}
          fatal={conflict}
          fallback="Could not start the set-up."
          submit="Set up two-factor authentication"
          busy="Starting…"
          submitId="totp-enable-button"
        />
      ) : null}
      {status?.enabled ? (
        <>
          {notice.codes ? (
            <RecoveryCodesPanel
              codes={notice.codes}
              onDone={() => {
                setNotice({});
              }}
            />
          ) : (
            <>
              <p
                className={few ? "text-warning" : "text-muted"}
                data-testid="totp-recovery-left"
                data-count={left}
              >
                {left === 1 ? "1 recovery code left." : `${String(left)} recovery codes left.`}
                {few ? " Make new ones before they run out." : null}
              </p>
              <CodeForm
                id="totp-recovery"
                password
                send={({ current }) =>
                  renewRecoveryCodes({ client: client.api, body: password(current) })
                }
                onDone={showCodes(NEW_CODES)}
                fallback="Could not make new recovery codes."
                intro={
                  <p className="text-muted">
                    New recovery codes replace the ones you have: those stop working.
                  </p>
                }
                submit="New recovery codes"
                busy="Making them…"
                submitClass="btn-secondary"
              />
            </>
          )}
          <CodeForm
            id="totp-disable"
            password
            send={({ current, code }) =>
              disableTwoFactor({ client: client.api, body: { ...password(current), code } })
            }
            onDone={({ message }) => {
              setStatus(false, 0);
              setNotice({ message });
            }}
            intro={<p className="text-muted">To turn it off, enter your password and a code.</p>}
            code={CODE_LABEL}
            recovery
            submit="Turn off two-factor authentication"
            submitClass="btn-secondary"
          />
        </>
      ) : null}
    </section>
  );
}
