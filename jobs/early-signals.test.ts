import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

it("keeps a process that is told to stop while its modules load alive, and tells its entry which signal came", () => {
  // What a worker or web entry does: import the module first, later take over from it.
  const script = `
    const { takeEarlySignal } = require(${JSON.stringify(path.join(process.cwd(), "jobs", "early-signals.ts"))});
    process.kill(process.pid, "SIGTERM");
    setTimeout(() => {
      console.log(takeEarlySignal());
      // Handed over: the module's handlers are gone, so this one now ends the process as Node would.
      process.kill(process.pid, "SIGTERM");
      setTimeout(() => process.exit(3), 2000);
    }, 200);`;
  const run = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8", timeout: 30_000 });
  expect(run.stdout.trim()).toBe("SIGTERM");
  expect(run.signal).toBe("SIGTERM");
});
