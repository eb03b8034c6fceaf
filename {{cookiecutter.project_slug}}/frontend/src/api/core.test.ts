import { describe, expect, it } from "vitest";

import { resolveApiUrls } from "./core";

describe("resolveApiUrls", () => {
  it("follows the page's own origin by default", () => {
    expect(resolveApiUrls({ href: "http://localhost:5173/session" })).toEqual({
      origin: "http://localhost:5173",
      ws: "ws://localhost:5173/api/v1",
    });
  });

  it("uses wss: behind https:", () => {
    expect(resolveApiUrls({ href: "https://app.example.com/" })).toEqual({
      origin: "https://app.example.com",
      ws: "wss://app.example.com/api/v1",
    });
  });

  it("accepts an absolute override, with or without a trailing slash", () => {
    expect(resolveApiUrls({ href: "http://localhost:5173/" }, "https://api.example.com/")).toEqual({
      origin: "https://api.example.com",
      ws: "wss://api.example.com/api/v1",
    });
    expect(resolveApiUrls({ href: "https://x.test/" }, "http://127.0.0.1:8000")).toEqual({
      origin: "http://127.0.0.1:8000",
      ws: "ws://127.0.0.1:8000/api/v1",
    });
  });

  it("resolves a relative override against the page and ignores a blank one", () => {
    expect(resolveApiUrls({ href: "https://example.com/app/" }, "/backend")).toEqual({
      origin: "https://example.com/backend",
      ws: "wss://example.com/backend/api/v1",
    });
    expect(resolveApiUrls({ href: "http://example.com:8080/x" }, "  ")).toEqual({
      origin: "http://example.com:8080",
      ws: "ws://example.com:8080/api/v1",
    });
  });
});
