import { ApiError, type AuthClient, messageOf } from "../../api/auth";

export interface TotpEnrolment {
  /** Base32, for typing into an authenticator app by hand. */
  secret: string;
  /** `otpauth://` URI: what the QR code holds; opens the app on a phone. */
  otpauthUri: string;
  /** The QR code, an SVG document. */
  qrSvg: string;
}

function field(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null && name in body
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

function unexpected(): ApiError {
  return new ApiError(0, "Unexpected response from the server.");
}

/** Completes a sign-in with a code from the authenticator app, or a recovery code; the client then holds the tokens. */
export async function submitTotpCode(
  client: AuthClient,
  challengeToken: string,
  code: string,
): Promise<void> {
  const result = await client.signInWith("/login/two-factor", {
    challenge_token: challengeToken,
    code,
  });
  if (result.kind !== "signed-in") throw unexpected();
}

export interface TotpStatus {
  enabled: boolean;
  /** Recovery codes not used yet (0 while two-factor sign-in is off). */
  recoveryCodesLeft: number;
}

export async function fetchTotpStatus(client: AuthClient): Promise<TotpStatus> {
  const body = await client.request("/users/me/totp", { method: "GET", auth: true });
  const enabled = field(body, "enabled");
  const left = field(body, "recovery_codes_left");
  if (typeof enabled !== "boolean") throw unexpected();
  return { enabled, recoveryCodesLeft: typeof left === "number" ? left : 0 };
}

/**
 * Starts enrolment, with the password: a new secret, on only once confirmed
 * with a code. 409 when it is on already.
 */
export async function startTotpEnrolment(
  client: AuthClient,
  currentPassword: string,
): Promise<TotpEnrolment> {
  const body = await client.request("/users/me/totp", {
    auth: true,
    json: { current_password: currentPassword },
  });
  const secret = field(body, "secret");
  const otpauthUri = field(body, "otpauth_uri");
  const qrSvg = field(body, "qr_svg");
  if (typeof secret !== "string" || typeof otpauthUri !== "string" || typeof qrSvg !== "string")
    throw unexpected();
  return { secret, otpauthUri, qrSvg };
}

/** The `recovery_codes` of an answer: a new set, each good for one sign-in in place of a code from the app. */
function readRecoveryCodes(body: unknown): string[] {
  const codes = field(body, "recovery_codes");
  if (!Array.isArray(codes) || !codes.every((code): code is string => typeof code === "string"))
    throw unexpected();
  return codes;
}

/** Turns two-factor sign-in on with a first code from the app; the answer brings the recovery codes. */
export async function confirmTotp(client: AuthClient, code: string): Promise<string[]> {
  const body = await client.request("/users/me/totp/confirm", { auth: true, json: { code } });
  return readRecoveryCodes(body);
}

/** Turns it off: the password, and a code from the app or a recovery code. */
export async function disableTotp(
  client: AuthClient,
  currentPassword: string,
  code: string,
): Promise<string> {
  const body = await client.request("/users/me/totp/disable", {
    auth: true,
    json: { current_password: currentPassword, code },
  });
  return messageOf(body, "Two-factor sign-in is off.");
}

/** A new set of recovery codes; the old ones stop working. */
export async function newRecoveryCodes(
  client: AuthClient,
  currentPassword: string,
): Promise<string[]> {
  const body = await client.request("/users/me/totp/recovery-codes", {
    auth: true,
    json: { current_password: currentPassword },
  });
  return readRecoveryCodes(body);
}

/** The secret in groups of four, as authenticator apps show it. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, "").match(/.{1,4}/g) ?? []).join(" ");
}

/** An `<img>` source for an SVG document (never injected as markup). */
export function svgDataUri(svg: string): string {
  return "data:image/svg+xml;utf8," + encodeURIComponent(svg);
}
