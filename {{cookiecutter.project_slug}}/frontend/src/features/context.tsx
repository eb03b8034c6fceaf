import { createContext, type ReactNode, useContext } from "react";

import { registeredFeatures } from "./registry";
import type { AuthFeature } from "./types";

const FeaturesContext = createContext<readonly AuthFeature[]>(registeredFeatures);

/** Overrides the registered features below it (tests pick their own). */
export function FeaturesProvider(props: { features: readonly AuthFeature[]; children: ReactNode }) {
  return <FeaturesContext value={props.features}>{props.children}</FeaturesContext>;
}

export const useFeatures = () => useContext(FeaturesContext);

/** The feature that renders sign-in steps of this type, if there is one. */
export const findChallengeFeature = (features: readonly AuthFeature[], type: string) =>
  features.find((feature) => feature.challengeType === type);
