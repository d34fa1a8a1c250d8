import { spawn } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { useTestDatabase } from "@/db/testing/database";
import { waitFor } from "@/db/testing/processes";

// npm start's supervisor killed outright (SIGKILL, an OOM kill) cannot stop its web and workers:
// they stop by themselves once they see their parent gone, rather than serve on, orphaned.

const db = useTestDatabase();

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it("a worker whose parent was SIGKILLed stops by itself, cleanly, within seconds", async () => {
  // A stand-in parent: starts one worker as the supervisor does (jobs/launch.ts) and prints its pid.
  const script = `
    const { spawnWorker } = require(${JSON.stringify(path.join(process.cwd(), "jobs", "launch.ts"))});
    const worker = spawnWorker({ env: { ...process.env, SKIP_MIGRATE: "1", LOG_LEVEL: "info" }, stdio: ["ignore", "inherit", "inherit"] });
    console.log(JSON.stringify({ worker: worker.pid }));
    setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ["--import", "tsx", "-e", script], { env: { ...process.env, DATABASE_URL: db.url }, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  parent.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  let workerPid: number | undefined;
  try {
    workerPid = await waitFor(async () => (/"worker":(\d+)/.exec(output) ? Number(/"worker":(\d+)/.exec(output)![1]) : undefined), 30_000, "the worker's pid");
    // Running: its connections are open.
    await waitFor(async () => ((await db.sql`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'flash-sale-worker%'`).length > 0 ? true : undefined), 30_000, "the worker to connect");

    parent.kill("SIGKILL");
    await waitFor(async () => (isAlive(workerPid!) ? undefined : true), 20_000, "the orphaned worker to stop");
    expect(output).toContain("the process that started this one is gone: stopping");
    expect(output).toContain("worker stopped");
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill("SIGKILL");
    if (workerPid !== undefined && isAlive(workerPid)) process.kill(workerPid, "SIGKILL");
  }
}, 90_000);
