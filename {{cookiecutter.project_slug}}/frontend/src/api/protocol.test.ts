// @vitest-environment node
// (the AsyncAPI parser and the generator run in Node, as scripts/protocol.sh runs the generator)
import { readFileSync } from "node:fs";

import { DiagnosticSeverity, Parser } from "@asyncapi/parser";
import { afterEach, describe, expect, it, vi } from "vitest";

import { compileProtocol } from "../../scripts/protocol.mjs";

/*
 * asyncapi.json is the backend's document of the socket (the backend's tests check that it is
 * not stale); protocol.ts is generated from it. Both change only through scripts/protocol.sh.
 */
const DOCUMENT = readFileSync(new URL("asyncapi.json", import.meta.url), "utf8");
const PROTOCOL = readFileSync(new URL("protocol.ts", import.meta.url), "utf8");
const STALE =
  "protocol.ts is not what asyncapi.json makes: run scripts/protocol.sh, and commit both files";

// The diagnostics' severities are another copy of DiagnosticSeverity than the one the parser
// exports: they are compared as numbers.
const ERROR: number = DiagnosticSeverity.Error;
const isError = ({ severity }: { severity: number }) => severity === ERROR;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the socket's protocol", () => {
  it("protocol.ts is generated from asyncapi.json as it is", async () => {
    expect(await compileProtocol(JSON.parse(DOCUMENT)), STALE).toBe(PROTOCOL);
  }, 30_000);

  it("asyncapi.json is an AsyncAPI document the official parser reads without an error, offline", async () => {
    // Nothing is to be read from elsewhere: every $ref is inside the document.
    const fetched: string[] = [];
    const refuse = (schema: string) => ({
      schema,
      order: 1,
      read: (uri: { toString: () => string }) => {
        fetched.push(uri.toString());
        return "{}";
      },
    });
    const fetch = vi.fn(() => Promise.reject(new Error("No network in this test.")));
    vi.stubGlobal("fetch", fetch);
    const parser = new Parser({
      __unstable: { resolver: { resolvers: ["http", "https", "file"].map(refuse) } },
    });

    const { document, diagnostics } = await parser.parse(DOCUMENT);

    const errors = diagnostics.filter(isError);
    expect(errors.map((error) => `${error.path.join(".")}: ${error.message}`)).toEqual([]);
    expect(document?.info().title()).toBe("The session socket");
    expect(fetched).toEqual([]);
    expect(fetch).not.toHaveBeenCalled();
  }, 60_000);
});
