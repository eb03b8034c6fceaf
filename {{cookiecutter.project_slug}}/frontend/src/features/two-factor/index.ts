// Two-factor authentication with one-time codes from an authenticator app (TOTP).
// Delete this folder to remove the feature.
export { feature } from "./feature";
