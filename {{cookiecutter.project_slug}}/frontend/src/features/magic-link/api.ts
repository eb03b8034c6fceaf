import type { AuthClient, LoginResult } from "../../api/auth";
import { requestLink, signInWithLink } from "./client";

export interface MagicLinkSent {
  /** Seconds the link works for. */
  expiresIn: number;
}

/**
 * Mails a sign-in link. The server also sets an HttpOnly cookie holding the
 * request's claim, so the link works in this browser only; nothing to keep here.
 */
export async function requestMagicLink(client: AuthClient, email: string): Promise<MagicLinkSent> {
  const sent = await requestLink({ client: client.http, body: { email } });
  return { expiresIn: sent.expires_in };
}

/** Signs in with the token of an emailed link: tokens, or a further step the account needs. */
export async function verifyMagicLink(client: AuthClient, token: string): Promise<LoginResult> {
  return client.signIn(await signInWithLink({ client: client.http, body: { token } }));
}

/** "15 minutes", "1 minute": how long a link works, rounded up. */
export function minutesText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? "1 minute" : `${String(minutes)} minutes`;
}
