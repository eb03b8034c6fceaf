import type { ComponentType, ReactNode } from "react";

import type { LoginChallenge } from "../api/auth";

/** What a sign-in step gets from the page that shows it. */
export interface ChallengeStepProps {
  challenge: LoginChallenge;
  /** Call once the client holds the tokens: the app loads the user and moves on. */
  onSignedIn: () => void;
  /** Back to the start (e.g. the step expired), with a message for the user when there is one. */
  onRestart: (message: string | null) => void;
}

/**
 * An optional part of the sign-in and account pages, exported as `feature` by its folder's
 * `index.tsx`; the app finds them at build time (registry.ts): deleting the folder removes it.
 */
export interface AuthFeature {
  /** Unique and stable: used as a React key. */
  id: string;
  /** Pages; those with `requireAuth` send others to /login first. */
  routes?: readonly { path: string; element: ReactNode; requireAuth?: boolean }[];
  /** Shown under the password form on the login page. */
  LoginExtra?: ComponentType;
  AccountSection?: ComponentType;
  /** The kind of sign-in step (`LoginChallenge.type`) that ChallengeStep renders. */
  challengeType?: string;
  ChallengeStep?: ComponentType<ChallengeStepProps>;
}
