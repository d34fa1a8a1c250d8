import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { portNear } from "@/db/testing/app-stack";
import { useTestDatabase } from "@/db/testing/database";
import { jsonLines } from "@/db/testing/json-lines";
import { spawnWeb, spawnWorker, stopProcess } from "./launch";

// A worker or a web process started on its own (not through `npm start`, which checks the settings
// first) with a bad setting stops at once, with one fatal log line that names the variable and never
// shows a DATABASE_URL's password.

const db = useTestDatabase();
const started: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map((child) => stopProcess(child, "SIGKILL")));
});

type Outcome = { code: number | null | "still running"; output: string };

/** Runs the process until it exits or `timeoutMs` passes (then it is killed): its exit code and output. */
async function outcome(child: ChildProcess, timeoutMs = 30_000): Promise<Outcome> {
  started.push(child);
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => (output += chunk));
  }
  const code = await new Promise<number | null | "still running">((resolve) => {
    const timer = setTimeout(() => resolve("still running"), timeoutMs);
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (code === "still running") await stopProcess(child, "SIGKILL");
  return { code, output };
}

const env = (extra: Record<string, string>) => ({ ...process.env, DATABASE_URL: db.url, SKIP_MIGRATE: "1", LOG_LEVEL: "warn", ...extra });

/** The fatal line's error message: the process said what is wrong as a log line, without a stack. */
function fatalMessage(output: string): string {
  const fatal = jsonLines(output.split("\n")).find((line) => line.level === 60);
  expect(fatal?.err?.stack, output).toBeUndefined();
  return fatal?.err?.message ?? "";
}

describe("a process started alone with a bad setting", () => {
  it("a worker with WORKER_BATCH_SIZE=-5 stops at start naming it", async () => {
    const { code, output } = await outcome(spawnWorker({ env: env({ WORKER_BATCH_SIZE: "-5" }), stdio: ["ignore", "pipe", "pipe"] }));
    expect(code, output).toBe(1);
    expect(fatalMessage(output)).toMatch(/^ {2}WORKER_BATCH_SIZE: /m);
  });

  it("a worker with LOG_LEVEL=verbose stops at start naming it, in a log line", async () => {
    const { code, output } = await outcome(spawnWorker({ env: env({ LOG_LEVEL: "verbose" }), stdio: ["ignore", "pipe", "pipe"] }));
    expect(code, output).toBe(1);
    expect(fatalMessage(output)).toMatch(/^ {2}LOG_LEVEL: /m);
  });

  it("a worker whose DATABASE_URL does not parse stops naming it, without its password", async () => {
    const { code, output } = await outcome(
      spawnWorker({ env: env({ DATABASE_URL: "postgres://app:Tr0ub4dor#3@127.0.0.1:5432/flash" }), stdio: ["ignore", "pipe", "pipe"] }),
    );
    expect(code, output).toBe(1);
    expect(fatalMessage(output)).toMatch(/^ {2}DATABASE_URL: .*percent-encode/m);
    expect(output).not.toContain("Tr0ub4dor");
  });

  it("a worker whose database refuses it (nothing listening) stops naming DATABASE_URL and what to check, without a stack, migrating or not", async () => {
    const closedPort = await portNear();
    const url = `postgres://app:s3cret-pw@127.0.0.1:${closedPort}/flash`;
    const [migrating, skipping] = await Promise.all(
      [{ SKIP_MIGRATE: "0" }, { SKIP_MIGRATE: "1" }].map((extra) => outcome(spawnWorker({ env: env({ DATABASE_URL: url, ...extra }), stdio: ["ignore", "pipe", "pipe"] }))),
    );
    for (const { code, output } of [migrating!, skipping!]) {
      expect(code, output).toBe(1);
      expect(fatalMessage(output)).toBe(
        `the database in DATABASE_URL (127.0.0.1:${closedPort}) refused the connection: nothing listens there (ECONNREFUSED). Check its host and port, and that Postgres is running.`,
      );
      expect(output).not.toMatch(/\bat .+:\d+:\d+/);
      expect(output).not.toContain("s3cret-pw");
    }
  });

  it("a worker with no database at all (no DATABASE_URL, no `npm start` running in its DATA_DIR) stops saying how to give it one", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flash-sale-no-db-"));
    try {
      const { code, output } = await outcome(spawnWorker({ env: env({ DATABASE_URL: "", DATA_DIR: dataDir }), stdio: ["ignore", "pipe", "pipe"] }));
      expect(code, output).toBe(1);
      expect(fatalMessage(output)).toBe("No database: set DATABASE_URL, or run `npm start`, which starts the embedded one");
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a web process with ADMISSION_TX_MAX=abc stops at start naming it", async () => {
    const port = await portNear();
    const { code, output } = await outcome(spawnWeb({ port, env: env({ ADMISSION_TX_MAX: "abc" }), stdio: ["ignore", "pipe", "pipe"] }));
    expect(code, output).toBe(1);
    expect(fatalMessage(output)).toMatch(/^ {2}ADMISSION_TX_MAX: /m);
  });
});
