import { describe, expect, it } from "vitest";

import {
  retryAfterSeconds,
  secondsInDetail,
  serverBusyMessage,
  tooManyAttemptsMessage,
  waitText,
} from "./auth";

describe("waits", () => {
  it("reads Retry-After as seconds or as a date", () => {
    expect(retryAfterSeconds("120")).toBe(120);
    expect(retryAfterSeconds(" 5 ")).toBe(5);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterSeconds("Thu, 01 Jan 2026 00:01:30 GMT", now)).toBe(90);
    expect(retryAfterSeconds("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(retryAfterSeconds(null)).toBeNull();
    expect(retryAfterSeconds("soon")).toBeNull();
  });

  it("puts a wait in words, rounded up", () => {
    expect(waitText(0)).toBe("1 second");
    expect(waitText(1)).toBe("1 second");
    expect(waitText(59)).toBe("59 seconds");
    expect(waitText(60)).toBe("1 minute");
    expect(waitText(61)).toBe("2 minutes");
    expect(waitText(900)).toBe("15 minutes");
    expect(waitText(3600)).toBe("1 hour");
    expect(waitText(7201)).toBe("3 hours");
  });

  it("says what to do", () => {
    expect(tooManyAttemptsMessage(120)).toBe("Too many attempts. Try again in 2 minutes.");
    expect(tooManyAttemptsMessage(null)).toBe("Too many attempts. Try again later.");
    expect(serverBusyMessage(1)).toBe("The server is busy. Try again in a moment.");
    expect(serverBusyMessage(null)).toBe("The server is busy. Try again in a moment.");
    expect(serverBusyMessage(30)).toBe("The server is busy. Try again in 30 seconds.");
  });

  it("finds the wait in a 429's detail", () => {
    expect(secondsInDetail("Too many attempts; try again in 42 seconds.")).toBe(42);
    expect(secondsInDetail("Too many wrong codes; try again in 1 second.")).toBe(1);
    expect(secondsInDetail("Slow down.")).toBeNull();
  });
});
