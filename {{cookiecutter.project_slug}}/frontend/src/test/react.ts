import { configure } from "@testing-library/react";
import { beforeAll } from "vitest";

/*
 * The React tests talk to real servers over real sockets, so updates arrive
 * outside act(); waitFor() polls for them instead. A generous timeout keeps
 * them steady on a busy two-core CI machine.
 */
configure({ asyncUtilTimeout: 5000 });

beforeAll(() => {
  // Registered after Testing Library's own beforeAll, which turns it on.
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});
