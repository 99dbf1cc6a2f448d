import { defineConfig } from "vite";

// Relative asset paths: the bundle is served by Tauri's custom protocol, not a web root.
export default defineConfig({
  base: "./",
  clearScreen: false,
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
  test: { environment: "jsdom" },
} as never);
