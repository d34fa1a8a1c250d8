import net from "node:net";
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { portNear } from "@/db/testing/app-stack";
import { useTestDatabase } from "@/db/testing/database";
import { waitFor } from "@/db/testing/processes";
import { waitForHttp } from "./launch";

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

it("a web process and a worker whose parent was SIGKILLed stop by themselves, cleanly, within seconds", async () => {
  const port = await portNear();
  // A stand-in parent: starts a web process and a worker as the supervisor does (jobs/launch.ts) and
  // prints their pids.
  const script = `
    const { spawnWeb, spawnWorker } = require(${JSON.stringify(path.join(process.cwd(), "jobs", "launch.ts"))});
    const env = { ...process.env, SKIP_MIGRATE: "1", LOG_LEVEL: "info" };
    const web = spawnWeb({ port: ${port}, env, stdio: ["ignore", "inherit", "inherit"] });
    const worker = spawnWorker({ env, stdio: ["ignore", "inherit", "inherit"] });
    console.log(JSON.stringify({ web: web.pid, worker: worker.pid }));
    setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ["--import", "tsx", "-e", script], { env: { ...process.env, DATABASE_URL: db.url }, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  parent.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  let pids: { web: number; worker: number } | undefined;
  try {
    pids = await waitFor(async () => {
      const line = /\{"web":\d+,"worker":\d+\}/.exec(output);
      return line ? (JSON.parse(line[0]) as { web: number; worker: number }) : undefined;
    }, 30_000, "the pids");
    // Running: the web answers, the worker's connections are open.
    await waitForHttp(`http://127.0.0.1:${port}/api/health`, 60_000);
    await waitFor(async () => ((await db.sql`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'flash-sale-worker%'`).length > 0 ? true : undefined), 30_000, "the worker to connect");

    parent.kill("SIGKILL");
    await waitFor(async () => (isAlive(pids!.web) || isAlive(pids!.worker) ? undefined : true), 30_000, "the orphaned web and worker to stop");
    expect(output.match(/the process that started this one is gone: stopping/g)).toHaveLength(2);
    expect(output).toContain("worker stopped");
    expect(output).toContain("web stopped");
    // The port is free for the next npm start: another server can listen on it.
    await new Promise<void>((resolve, reject) => {
      const next = net.createServer().once("error", reject);
      next.listen(port, "127.0.0.1", () => next.close(() => resolve()));
    });
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill("SIGKILL");
    for (const pid of [pids?.web, pids?.worker]) if (pid !== undefined && isAlive(pid)) process.kill(pid, "SIGKILL");
  }
}, 120_000);
