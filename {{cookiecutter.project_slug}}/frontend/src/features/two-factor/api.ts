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
  return typeof body === "object" && body !== null && name in body ? (body as Record<string, unknown>)[name] : undefined;
}

function unexpected(): ApiError {
  return new ApiError(0, "Unexpected response from the server.");
}

/** Completes a sign-in with a code from the authenticator app; the client then holds the tokens. */
export async function submitTotpCode(client: AuthClient, challengeToken: string, code: string): Promise<void> {
  const result = await client.signInWith("/login/two-factor", { challenge_token: challengeToken, code });
  if (result.kind !== "signed-in") throw unexpected();
}

export async function fetchTotpEnabled(client: AuthClient): Promise<boolean> {
  const enabled = field(await client.request("/users/me/totp", { method: "GET", auth: true }), "enabled");
  if (typeof enabled !== "boolean") throw unexpected();
  return enabled;
}

/** Starts enrolment: a new secret, on only once confirmed with a code. 409 when it is on already. */
export async function startTotpEnrolment(client: AuthClient): Promise<TotpEnrolment> {
  const body = await client.request("/users/me/totp", { auth: true });
  const secret = field(body, "secret");
  const otpauthUri = field(body, "otpauth_uri");
  const qrSvg = field(body, "qr_svg");
  if (typeof secret !== "string" || typeof otpauthUri !== "string" || typeof qrSvg !== "string") throw unexpected();
  return { secret, otpauthUri, qrSvg };
}

export async function confirmTotp(client: AuthClient, code: string): Promise<string> {
  const body = await client.request("/users/me/totp/confirm", { auth: true, json: { code } });
  return messageOf(body, "Two-factor authentication is on.");
}

export async function disableTotp(client: AuthClient, code: string): Promise<string> {
  const body = await client.request("/users/me/totp/disable", { auth: true, json: { code } });
  return messageOf(body, "Two-factor authentication is off.");
}

/** The secret in groups of four, as authenticator apps show it. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, "").match(/.{1,4}/g) ?? []).join(" ");
}

/** An `<img>` source for an SVG document (never injected as markup). */
export function svgDataUri(svg: string): string {
  return "data:image/svg+xml;utf8," + encodeURIComponent(svg);
}
