import type { ComponentType, ReactNode } from "react";

import type { LoginChallenge } from "../api/auth";

/** A page an optional feature adds to the app. */
export interface FeatureRoute {
  path: string;
  element: ReactNode;
  /** Only for logged-in users: others are sent to /login first. */
  requireAuth?: boolean;
}

/** What a sign-in step gets from the page that shows it. */
export interface ChallengeStepProps {
  challenge: LoginChallenge;
  /** Call once the client holds the tokens: the app loads the user and moves on. */
  onSignedIn: () => void;
  /** Back to the start (e.g. the step expired), with a message for the user when there is one. */
  onRestart: (message: string | null) => void;
}

/**
 * An optional part of the sign-in and account pages. Each lives in its own
 * folder, `src/features/<name>/`, whose `index.ts` exports `feature`; the app
 * finds them at build time (registry.ts), so deleting a folder removes the
 * feature and nothing else needs to change.
 */
export interface AuthFeature {
  /** Unique and stable: used as a React key. */
  id: string;
  routes?: readonly FeatureRoute[];
  /** Shown under the password form on the login page. */
  LoginExtra?: ComponentType;
  /** A section of the account page. */
  AccountSection?: ComponentType;
  /** The kind of sign-in step (`LoginChallenge.type`) that ChallengeStep renders. */
  challengeType?: string;
  ChallengeStep?: ComponentType<ChallengeStepProps>;
}
