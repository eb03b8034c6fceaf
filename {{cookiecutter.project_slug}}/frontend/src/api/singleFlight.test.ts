import { describe, expect, it, vi } from "vitest";

import { createSingleFlight } from "./singleFlight";

describe("createSingleFlight", () => {
  it("shares a call in flight per key, and runs again once it settled", async () => {
    const once = createSingleFlight<string>();
    const run = vi.fn((value: string) => Promise.resolve(value));
    const [a, b, c] = await Promise.all([
      once("k1", () => run("first")),
      once("k1", () => run("second")),
      once("k2", () => run("other")),
    ]);
    expect([a, b, c]).toEqual(["first", "first", "other"]);
    expect(run).toHaveBeenCalledTimes(2);
    expect(await once("k1", () => run("again"))).toBe("again");
  });

  it("shares a failure too", async () => {
    const once = createSingleFlight<string>();
    const run = vi.fn(() => Promise.reject(new Error("used")));
    const results = await Promise.allSettled([once("k", run), once("k", run)]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    expect(run).toHaveBeenCalledTimes(1);
  });
});
