import { createContext, type ReactNode, useContext } from "react";

import { registeredFeatures } from "./registry";
import type { AuthFeature } from "./types";

const FeaturesContext = createContext<readonly AuthFeature[]>(registeredFeatures);

/** Overrides the registered features below it (tests use this to pick their own). */
export function FeaturesProvider({
  features,
  children,
}: {
  features: readonly AuthFeature[];
  children: ReactNode;
}) {
  return <FeaturesContext value={features}>{children}</FeaturesContext>;
}

export function useFeatures(): readonly AuthFeature[] {
  return useContext(FeaturesContext);
}

/** The feature that renders sign-in steps of this type, if there is one. */
export function findChallengeFeature(
  features: readonly AuthFeature[],
  type: string,
): AuthFeature | undefined {
  return features.find(
    (feature) => feature.challengeType === type && feature.ChallengeStep !== undefined,
  );
}
