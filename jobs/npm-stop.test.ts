import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort } from "@/db/embedded";
import { waitFor } from "@/db/testing/processes";
import { isAlive } from "@/jobs/process-tree";
import { cleanUpSupervisors, shellEnv, tempDir } from "@/db/testing/supervisor";
import { processTree } from "./process-tree";

// `npm start` stopped through npm alone: a service manager's SIGTERM to its main pid, or a terminal
// closed under it. npm and its shell end without passing the signal on; the app must not run on.

afterAll(() => cleanUpSupervisors());

it("SIGTERM to npm itself stops the supervisor, web, worker and embedded Postgres, cleanly", async () => {
  const dataDir = tempDir();
  // Stands in for next build: the checkout's build is already there.
  const noopBuild = path.join(tempDir("flash-sale-npm-stop-"), "noop-build.mjs");
  fs.writeFileSync(noopBuild, "// stands in for next build\n");
  const port = await freePort();
  const npm = spawn("npm", ["start"], {
    cwd: process.cwd(),
    env: shellEnv({ DATA_DIR: dataDir, PORT: String(port), FLASH_BUILD_SCRIPT: noopBuild, LOG_LEVEL: "info" }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  npm.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  npm.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  let tree: number[] = [];
  try {
    await waitFor(async () => (output.includes("Press Ctrl-C to stop") ? true : undefined), 120_000, "the banner");
    tree = processTree(npm.pid!);
    // npm, its shell, the supervisor, web, worker and Postgres's processes.
    expect(tree.length).toBeGreaterThan(5);

    process.kill(npm.pid!, "SIGTERM");
    await waitFor(async () => (tree.some(isAlive) ? undefined : true), 40_000, "every process of npm start to end");
    expect(output).toContain("the process that started npm start is gone (npm was stopped): stopping web and workers");
    expect(output).toContain("worker stopped");
    expect(output).toContain("web stopped");
    // Postgres too was stopped in order, not killed with the rest.
    expect(output).toContain("embedded Postgres stopped; data kept");
  } finally {
    for (const pid of tree) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  }
}, 180_000);
