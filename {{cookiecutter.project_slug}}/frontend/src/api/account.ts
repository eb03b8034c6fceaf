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

/** Asks for a password-reset mail. The answer is the same whether the account exists or not. */
export async function requestPasswordRecovery(client: AuthClient, email: string): Promise<string> {
  return (await recoverPassword({ client: client.http, body: { email } })).message;
}

/** Sets a new password with the token of a reset mail; the server then ends every session of the user. */
export async function resetPassword(
  client: AuthClient,
  token: string,
  newPassword: string,
): Promise<string> {
  const body = { token, new_password: newPassword };
  return (await resetPasswordRequest({ client: client.http, body })).message;
}

/** Confirms an email address with the token of a verification mail. */
export async function verifyEmail(client: AuthClient, token: string): Promise<string> {
  return (await verifyEmailRequest({ client: client.http, body: { token } })).message;
}

/** Mails the logged-in user a link that verifies their address. */
export async function sendVerificationEmail(client: AuthClient): Promise<string> {
  return (await requestVerification({ client: client.api })).message;
}

/**
 * Changes the password. The server ends every other session of the user and
 * answers with a new access token for this one, which the client adopts (the
 * socket renews its authentication with it).
 */
export async function changePassword(
  client: AuthClient,
  currentPassword: string,
  newPassword: string,
): Promise<void> {
  const body = { current_password: currentPassword, new_password: newPassword };
  client.renew(await changeMyPassword({ client: client.api, body }));
}

/**
 * Asks to move the account to `newEmail`: the server mails a link there, and the
 * address changes only when it is opened. The answer is the same whether the
 * address is free or not.
 */
export async function requestEmailChange(
  client: AuthClient,
  newEmail: string,
  currentPassword: string,
): Promise<string> {
  const body = { new_email: newEmail, current_password: currentPassword };
  return (await changeMyEmail({ client: client.api, body })).message;
}

/** Moves the account to the new address with the token of the mailed link; every session of the user then ends. */
export async function confirmEmailChange(client: AuthClient, token: string): Promise<string> {
  return (await confirmEmailChangeRequest({ client: client.http, body: { token } })).message;
}

/** The shortest password the server accepts. */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 128;
