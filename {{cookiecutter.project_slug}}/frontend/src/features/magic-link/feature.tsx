import type { AuthFeature } from "../types";
import { MagicLinkPage } from "./MagicLinkPage";
import { MagicLinkRequest } from "./MagicLinkRequest";

export const feature: AuthFeature = {
  id: "magic-link",
  routes: [{ path: "/magic-link", element: <MagicLinkPage /> }],
  LoginExtra: MagicLinkRequest,
};
