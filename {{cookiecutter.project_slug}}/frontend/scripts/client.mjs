// Makes the HTTP API's client from the backend's OpenAPI documents, with @hey-api/openapi-ts:
// src/api/client/ from src/api/openapi.json (the operations every project has), and for each
// feature with a document of its own (src/features/NAME/openapi.json, its tag's operations),
// src/features/NAME/client/, whose functions take the core's client: a feature that is left
// out takes its folder, and nothing else, with it. `npm run generate:client` runs it;
// scripts/protocol.sh first writes the documents anew. src/api/openapi.test.ts checks that each
// folder is what generateClient() makes of its document.

import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { createClient } from "@hey-api/openapi-ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CORE = "src/api";
const FEATURES = "src/features";
const DOCUMENT = "openapi.json";
const OUTPUT = "client";
// What the core's client is, which a feature's functions import their types from.
const RUNTIME = join(CORE, OUTPUT, "client");

async function exists(path) {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The folders of the documents to make clients of, relative to the frontend: the core's first. */
export async function documentFolders(root = ROOT) {
  const folders = [CORE];
  for (const entry of await readdir(join(root, FEATURES), { withFileTypes: true })) {
    const folder = join(FEATURES, entry.name);
    if (entry.isDirectory() && (await exists(join(root, folder, DOCUMENT)))) folders.push(folder);
  }
  return folders;
}

/**
 * Generates the client of `folder`'s openapi.json into `output` (its client/ by default). A
 * feature's has no client of its own: its functions are given the core's (`client` is required),
 * and their types come from the core's runtime.
 */
export async function generateClient(folder, output = join(ROOT, folder, OUTPUT), root = ROOT) {
  const feature = folder !== CORE;
  await createClient({
    input: join(root, folder, DOCUMENT),
    output: { path: output },
    logs: { level: "silent" },
    plugins: [
      "@hey-api/typescript",
      // Each function resolves the answer's body, and throws what the client makes of a refusal.
      { name: "@hey-api/sdk", client: !feature, responseStyle: "data" },
      { name: "@hey-api/client-fetch", baseUrl: false, throwOnError: true },
    ],
  });
  if (!feature) return;
  for (const name of ["client", "core", "client.gen.ts"]) {
    await rm(join(output, name), { recursive: true, force: true });
  }
  const sdk = join(output, "sdk.gen.ts");
  // The import, as written from the feature's own folder, whatever folder it was generated in.
  const runtime = relative(join(root, folder, OUTPUT), join(root, RUNTIME));
  const text = await readFile(sdk, "utf8");
  if (!text.includes("from './client';")) throw new Error(`${sdk} imports no './client'.`);
  await writeFile(sdk, text.replace("from './client';", `from '${runtime}';`));
}

async function main() {
  for (const folder of await documentFolders()) await generateClient(folder);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
