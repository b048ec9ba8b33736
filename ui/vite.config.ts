import { defineConfig } from "vitest/config";

export default defineConfig({
  // Tauri serves the built files; relative paths keep them working there.
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  server: { port: 5173, strictPort: true },
  test: { environment: "jsdom", globals: true },
});
