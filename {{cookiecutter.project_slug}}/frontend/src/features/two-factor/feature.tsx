import type { AuthFeature } from "../types";
import { CodeStep } from "./CodeStep";
import { TwoFactorSettings } from "./TwoFactorSettings";

export const feature: AuthFeature = {
  id: "two-factor",
  AccountSection: TwoFactorSettings,
  challengeType: "totp",
  ChallengeStep: CodeStep,
};
