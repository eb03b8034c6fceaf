/*
 * What the page says when the server asks it to wait: too many attempts (429)
 * or too busy (503), each with a `Retry-After` header.
 */

/** The seconds a `Retry-After` header asks for (a number of seconds, or an HTTP date); null when unreadable. */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number | null {
  const value = header?.trim() ?? "";
  if (value === "") return null;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

function count(amount: number, unit: string): string {
  return amount === 1 ? `1 ${unit}` : `${String(amount)} ${unit}s`;
}

/** "45 seconds", "2 minutes", "1 hour": a wait, rounded up to a unit a person reads at a glance. */
export function waitText(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return count(whole, "second");
  if (whole < 3600) return count(Math.ceil(whole / 60), "minute");
  return count(Math.ceil(whole / 3600), "hour");
}

/** For a 429: the server refuses more attempts for a while. */
export function tooManyAttemptsMessage(seconds: number | null): string {
  if (seconds === null) return "Too many attempts. Try again later.";
  return `Too many attempts. Try again in ${waitText(seconds)}.`;
}

/** Shorter waits than this are "a moment". */
const MOMENT_SECONDS = 5;

/** For a 503: too many passwords are being checked at once; it passes quickly. */
export function serverBusyMessage(seconds: number | null): string {
  const wait = seconds === null || seconds <= MOMENT_SECONDS ? "a moment" : waitText(seconds);
  return `The server is busy. Try again in ${wait}.`;
}

/** The wait a 429's detail names ("… try again in 120 seconds."), for an answer without the header. */
export function secondsInDetail(detail: string): number | null {
  const found = /try again in (\d+) seconds?/i.exec(detail);
  return found?.[1] === undefined ? null : Number(found[1]);
}
