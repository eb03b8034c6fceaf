import type { AuthClient } from "../../api/auth";
import {
  confirmTwoFactor,
  disableTwoFactor,
  renewRecoveryCodes,
  signInWithCode,
  startTwoFactor,
  twoFactorStatus,
} from "./client";

export interface TotpEnrolment {
  /** Base32, for typing into an authenticator app by hand. */
  secret: string;
  /** `otpauth://` URI: what the QR code holds; opens the app on a phone. */
  otpauthUri: string;
  /** The QR code, an SVG document. */
  qrSvg: string;
}

/** Completes a sign-in with a code from the authenticator app, or a recovery code; the client then holds the tokens. */
export async function submitTotpCode(
  client: AuthClient,
  challengeToken: string,
  code: string,
): Promise<void> {
  const body = { challenge_token: challengeToken, code };
  client.signIn(await signInWithCode({ client: client.http, body }));
}

export interface TotpStatus {
  enabled: boolean;
  /** Recovery codes not used yet (0 while two-factor sign-in is off). */
  recoveryCodesLeft: number;
}

export async function fetchTotpStatus(client: AuthClient): Promise<TotpStatus> {
  const status = await twoFactorStatus({ client: client.api });
  return { enabled: status.enabled, recoveryCodesLeft: status.recovery_codes_left };
}

/**
 * Starts enrolment, with the password: a new secret, on only once confirmed
 * with a code. 409 when it is on already.
 */
export async function startTotpEnrolment(
  client: AuthClient,
  currentPassword: string,
): Promise<TotpEnrolment> {
  const body = { current_password: currentPassword };
  const enrolment = await startTwoFactor({ client: client.api, body });
  return { secret: enrolment.secret, otpauthUri: enrolment.otpauth_uri, qrSvg: enrolment.qr_svg };
}

/** Turns two-factor sign-in on with a first code from the app; the answer brings the recovery codes. */
export async function confirmTotp(client: AuthClient, code: string): Promise<string[]> {
  return (await confirmTwoFactor({ client: client.api, body: { code } })).recovery_codes;
}

/** Turns it off: the password, and a code from the app or a recovery code. */
export async function disableTotp(
  client: AuthClient,
  currentPassword: string,
  code: string,
): Promise<string> {
  const body = { current_password: currentPassword, code };
  return (await disableTwoFactor({ client: client.api, body })).message;
}

/** A new set of recovery codes (each good for one sign-in in place of a code from the app); the old ones stop working. */
export async function newRecoveryCodes(
  client: AuthClient,
  currentPassword: string,
): Promise<string[]> {
  const body = { current_password: currentPassword };
  return (await renewRecoveryCodes({ client: client.api, body })).recovery_codes;
}

/** The secret in groups of four, as authenticator apps show it. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, "").match(/.{1,4}/g) ?? []).join(" ");
}

/** An `<img>` source for an SVG document (never injected as markup). */
export function svgDataUri(svg: string): string {
  return "data:image/svg+xml;utf8," + encodeURIComponent(svg);
}
