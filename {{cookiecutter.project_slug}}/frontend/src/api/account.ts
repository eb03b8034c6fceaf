import type { AuthClient } from "./auth";
import {
  changeMyEmail,
  changeMyPassword,
  confirmEmailChange as confirmEmailChangeRequest,
  recoverPassword,
  requestVerification,
  resetPassword as resetPasswordRequest,
  verifyEmail as verifyEmailRequest,
} from "./client";

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 128;

/** Asks for a password-reset mail; the answer is the same whether the account exists or not. */
export async function requestPasswordRecovery(client: AuthClient, email: string): Promise<string> {
  return (await recoverPassword({ client: client.http, body: { email } })).message;
}

/** Sets a new password with a reset mail's token; the server ends every session, this tab's too. */
export async function resetPassword(client: AuthClient, token: string, password: string) {
  const body = { token, new_password: password };
  const { message } = await resetPasswordRequest({ client: client.http, body });
  client.tokens.clear();
  return message;
}

export async function verifyEmail(client: AuthClient, token: string): Promise<string> {
  return (await verifyEmailRequest({ client: client.http, body: { token } })).message;
}

/** Mails the signed-in user a link that verifies their address. */
export async function sendVerificationEmail(client: AuthClient): Promise<string> {
  return (await requestVerification({ client: client.api })).message;
}

/** The server ends every other session and answers with this one's new access token, kept here. */
export async function changePassword(client: AuthClient, current: string, password: string) {
  const body = { current_password: current, new_password: password };
  client.signIn(await changeMyPassword({ client: client.api, body }));
}

/** The address changes once the link mailed to it is opened; the answer is the same if it is taken. */
export async function requestEmailChange(client: AuthClient, email: string, current: string) {
  const body = { new_email: email, current_password: current };
  return (await changeMyEmail({ client: client.api, body })).message;
}

/** Moves the account to the new address with the mailed link's token; every session ends, this tab's too. */
export async function confirmEmailChange(client: AuthClient, token: string): Promise<string> {
  const { message } = await confirmEmailChangeRequest({ client: client.http, body: { token } });
  client.tokens.clear();
  return message;
}
