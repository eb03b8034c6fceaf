import type { AuthClient, LoginResult } from "../../api/auth";

export interface MagicLinkSent {
  /** Seconds the link works for. */
  expiresIn: number;
}

/** How long to say a link works when the server does not tell. */
const DEFAULT_EXPIRES_IN = 15 * 60;

/**
 * Mails a sign-in link. The server also sets an HttpOnly cookie holding the
 * request's claim, so the link works in this browser only; nothing to keep here.
 */
export async function requestMagicLink(client: AuthClient, email: string): Promise<MagicLinkSent> {
  const body = await client.request("/login/magic-link", { json: { email } });
  const expiresIn =
    typeof body === "object" &&
    body !== null &&
    "expires_in" in body &&
    typeof body.expires_in === "number"
      ? body.expires_in
      : DEFAULT_EXPIRES_IN;
  return { expiresIn };
}

/** Signs in with the token of an emailed link: tokens, or a further step the account needs. */
export function verifyMagicLink(client: AuthClient, token: string): Promise<LoginResult> {
  return client.signInWith("/login/magic-link/verify", { token });
}

/** "15 minutes", "1 minute": how long a link works, rounded up. */
export function minutesText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? "1 minute" : `${String(minutes)} minutes`;
}
