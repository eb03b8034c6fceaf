// @vitest-environment node
// (the generator runs in Node, as scripts/protocol.sh runs it)
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, describe, expect, it } from "vitest";

import { documentFolders, generateClient } from "../../scripts/client.mjs";

/*
 * Each openapi.json is a part of the backend's OpenAPI document (the backend's tests check that
 * none is stale); the client/ folder beside it is the client generated from it. Both change
 * only through scripts/protocol.sh.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STALE = "is not what its openapi.json makes: run scripts/protocol.sh, and commit the changes";
const scratch = mkdtempSync(join(tmpdir(), "client-"));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Every file under `folder`, by its path inside it, with its text. */
function files(folder: string): Record<string, string> {
  const paths = readdirSync(folder, { recursive: true, encoding: "utf8" }).sort();
  const texts: Record<string, string> = {};
  for (const path of paths) {
    const full = join(folder, path);
    if (statSync(full).isFile()) texts[path] = readFileSync(full, "utf8");
  }
  return texts;
}

describe("the HTTP API's client", () => {
  it("is generated from each document as it is", async () => {
    for (const folder of await documentFolders()) {
      const output = join(scratch, folder);
      await generateClient(folder, output);
      expect(files(join(ROOT, folder, "client")), `${folder}/client/ ${STALE}`).toEqual(
        files(output),
      );
    }
  }, 60_000);
});
