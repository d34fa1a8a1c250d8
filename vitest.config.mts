import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The six files that storm processes of their own with load, and two long ones that do not
// (db/driver, jobs/ctrl-c-logs), so that the two queues take about as long: in CI on two cores the
// rest took 566 s beside the storms' 413 while db/outage, a storm too, and those two were in the
// rest. `npm run test:unit` runs each project in a vitest process of its own, side by side
// (jobs/test-unit.ts): two files at once, never two storms.
const loadFiles = [
  "jobs/soak.test.ts",
  "jobs/storm.test.ts",
  "jobs/worker-faults.test.ts",
  "jobs/scale-out.test.ts",
  "jobs/held-sale.test.ts",
  "db/outage.test.ts",
  "db/driver.test.ts",
  "jobs/ctrl-c-logs.test.ts",
];

export default defineConfig({
  resolve: { alias: { "@": path.dirname(fileURLToPath(import.meta.url)) } },
  test: {
    environment: "node",
    // One embedded Postgres per vitest process for the run (shared by its projects); every test file gets a fresh database of its own.
    globalSetup: ["db/testing/global-setup.ts"],
    setupFiles: ["db/testing/setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      // Each project picks the ports of its test servers from a range of its own (db/testing/app-stack.ts portNear).
      { extends: true, test: { name: "load", include: loadFiles, maxWorkers: 1, env: { STACK_PORT_FROM: "3306" } } },
      { extends: true, test: { name: "rest", include: ["{app,components,db,jobs,bench}/**/*.test.ts"], exclude: loadFiles, maxWorkers: 1, env: { STACK_PORT_FROM: "3606" } } },
    ],
  },
});
