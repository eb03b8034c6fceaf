import type { AuthFeature } from "./types";

// Every `./<name>/index.ts` that exports `feature`, found when the app is built.
const modules = import.meta.glob<{ feature: AuthFeature }>("./*/index.ts", { eager: true });

/** The optional features this build has, in folder-name order. */
export const registeredFeatures: readonly AuthFeature[] = Object.keys(modules)
  .sort()
  .flatMap((path) => {
    const feature = modules[path]?.feature;
    return feature ? [feature] : [];
  });
