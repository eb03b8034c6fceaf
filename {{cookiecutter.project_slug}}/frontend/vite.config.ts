import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The dev server and `vite preview` forward /api (HTTP and the websocket) to the
// backend, so the page, the API and the refresh cookie share one origin, exactly
// as behind the production reverse proxy.
const backendUrl = process.env.BACKEND_URL ?? "http://127.0.0.1:8000";

const proxy = {
  "/api": {
    target: backendUrl,
    ws: true,
  },
};

export default defineConfig({
  plugins: [react(), tailwindcss()],
  // VITE_* variables (VITE_PROJECT_NAME, VITE_API_URL) come from the project's root .env.
  envDir: "..",
  server: {
    port: 5173,
    strictPort: true,
    proxy,
  },
  // Same port as the dev server: the backend's default FRONTEND_HOST
  // (http://localhost:5173) is the origin its websocket accepts.
  preview: {
    port: 5173,
    strictPort: true,
    proxy,
  },
  build: {
    outDir: "dist",
    // The production build publishes no source maps.
    sourcemap: false,
    // The libraries apart from the page's own code: each chunk stays under Vite's 500 kB warning.
    rolldownOptions: {
      output: { codeSplitting: { groups: [{ name: "vendor", test: /node_modules/ }] } },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    testTimeout: 10000,
  },
});
