import type { AuthFeature } from "./types";

// Every `./<name>/index.tsx`, found when the app is built (Vite sorts them by path).
const modules = import.meta.glob<{ feature: AuthFeature }>("./*/index.tsx", { eager: true });

export const registeredFeatures: readonly AuthFeature[] = Object.values(modules).map(
  (module) => module.feature,
);
