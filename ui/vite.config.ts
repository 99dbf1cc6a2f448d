import { defineConfig } from "vitest/config";

// Relative asset paths: the bundle is served by Tauri's custom protocol, not a web root.
// No external fonts or CDNs: the CSP only allows the app's own files.
export default defineConfig({
  base: "./",
  clearScreen: false,
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false, assetsInlineLimit: 0 },
  test: { environment: "jsdom", include: ["src/**/*.test.ts"] },
});
