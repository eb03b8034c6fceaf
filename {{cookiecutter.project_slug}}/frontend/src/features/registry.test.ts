import { describe, expect, it } from "vitest";

import { registeredFeatures } from "./registry";

describe("feature registry", () => {
  it("finds each feature folder once, with a unique id and well-formed parts", () => {
    const ids = registeredFeatures.map((feature) => feature.id);
    expect(new Set(ids).size).toBe(ids.length);
    const paths = registeredFeatures.flatMap(({ routes = [] }) =>
      routes.map((route) => route.path),
    );
    expect(new Set(paths).size).toBe(paths.length);
    for (const feature of registeredFeatures) {
      expect(feature.id).toMatch(/^[a-z0-9-]+$/);
      // A step needs the type it answers, and the other way round.
      expect(feature.challengeType === undefined).toBe(feature.ChallengeStep === undefined);
      for (const path of paths) expect(path.startsWith("/")).toBe(true);
    }
  });
});
