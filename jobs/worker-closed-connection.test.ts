import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "@/db/testing/database";
import { jsonLines } from "@/db/testing/json-lines";
import { stopProcess, waitFor } from "@/db/testing/processes";
import { isRunning, spawnWorker } from "./launch";
import type { ChildProcess } from "node:child_process";

// A connection of the worker's that Postgres closes in order (57P01: a restart, a failover,
// pg_terminate_backend) and that nothing listens to for errors reaches the worker as an uncaught
// exception (pg-boss's LISTEN connection can raise one). The worker stops and exits 1, for `npm start`
// or a service manager to start a fresh one, and the operator sees why at warn. Ctrl-C stops Postgres
// and the worker at the same instant, and the 57P01 can come just before the worker's own SIGINT:
// that is a clean stop, exit 0, nothing at warn.

const db = useTestDatabase();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "worker-closed-"));
// Loaded before the worker: SIGUSR2 throws, outside any handler, the error Postgres's closing sends.
const preload = path.join(dir, "closed-connection.cjs");
fs.writeFileSync(
  preload,
  `process.on("SIGUSR2", () => {
     process.stderr.write("closed\\n");
     throw Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01", severity: "FATAL" });
   });`,
);

let worker: ChildProcess | undefined;
afterEach(async () => {
  if (worker) await stopProcess(worker, "SIGKILL");
  worker = undefined;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CLOSED_MSG = "the database closed the worker's connection; stopping, to be started again";

/** A worker on this file's database, its output kept, once it says it is ready; `onClosed` runs when the preload has thrown. */
async function readyWorker(onClosed?: (child: ChildProcess) => void) {
  const output: string[] = [];
  const child = (worker = spawnWorker({ env: { ...process.env, DATABASE_URL: db.url, SKIP_MIGRATE: "1", LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"], nodeArgs: ["--require", preload] }));
  // 'close': the worker has exited and its output has been read to the end.
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  let partial = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    output.push(...parts);
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    if (chunk.includes("closed")) onClosed?.(child);
  });
  await waitFor(async () => (jsonLines(output, { skipUnparsable: true }).some((l) => l.msg === "worker ready") ? true : undefined), 60_000, "the worker to be ready");
  return { child, output, exited };
}

describe("a worker whose connection the database closes", () => {
  it("while it runs: says so at warn, then stops and exits 1 to be started again", async () => {
    const { child, output, exited } = await readyWorker();
    child.kill("SIGUSR2");
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 20_000))])).toBe(1);
    const lines = jsonLines(output, { skipUnparsable: true });
    const closed = lines.findIndex((l) => l.msg === CLOSED_MSG);
    expect(lines[closed]).toMatchObject({ level: 40, err: { code: "57P01" } });
    // The stop follows the warning: the stop's lines are all after it.
    expect(lines.findIndex((l) => l.msg === "worker stopping: finishing the batch in hand")).toBeGreaterThan(closed);
    expect(lines.at(-1)!.msg).toBe("worker stopped");
    expect(isRunning(child)).toBe(false);
  });

  it("just before its own SIGINT (Ctrl-C stops Postgres and the worker at once): a clean stop, exit 0, nothing at warn", async () => {
    const { child, output, exited } = await readyWorker((c) => c.kill("SIGINT"));
    child.kill("SIGUSR2");
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 20_000))])).toBe(0);
    const lines = jsonLines(output, { skipUnparsable: true });
    expect(lines.find((l) => l.msg === CLOSED_MSG)).toMatchObject({ level: 30, err: { code: "57P01" } });
    expect(lines.find((l) => l.msg === "worker stopping: finishing the batch in hand")).toMatchObject({ signal: "SIGINT" });
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});
