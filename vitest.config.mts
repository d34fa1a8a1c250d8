import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.dirname(fileURLToPath(import.meta.url)) } },
  test: {
    include: ["{app,components,db,jobs,bench}/**/*.test.ts"],
    environment: "node",
    // One embedded Postgres for the run; every test file gets a fresh database of its own.
    globalSetup: ["db/testing/global-setup.ts"],
    setupFiles: ["db/testing/setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Files that spawn worker processes compete for two cores; one file at a time keeps them honest.
    fileParallelism: false,
  },
});
