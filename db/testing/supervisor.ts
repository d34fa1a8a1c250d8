import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { readPostmasterPid } from "@/db/embedded-checks";
import { spawnSupervisor } from "@/jobs/launch";
import { isAlive, processStat, processTree } from "@/jobs/process-tree";
import { jsonLines, type LogLine } from "./json-lines";
import { makePostgresTempDir } from "./temp-dir";

// `npm start`'s supervisor as a test runs it: its own process group (as a shell's job), every line it
// and its processes print kept, and every process of its tree noted, so that whatever it leaves
// running (an orphaned Postgres, a web server) is found and stopped by id afterwards.

export type SupervisorRun = {
  child: ChildProcess;
  pid: number;
  dataDir: string;
  port: number;
  /** The supervisor's start time (ticks since boot). */
  since: number;
  /** Every line printed (stdout and stderr, the supervisor's and its processes'), in arrival order. */
  output: string[];
  /** The JSON log lines among them. */
  logs: () => LogLine[];
  /** Every process seen in its process tree while it ran: id → start time (ticks since boot). */
  pids: Map<number, number | undefined>;
  /** Resolves with the first line `match` accepts; rejects after `timeoutMs` or when the supervisor exits first. */
  waitForLine: (match: (line: string) => boolean, timeoutMs: number, what: string) => Promise<string>;
  /** The banner ("Flash sale is running at …" and the lines under it), once printed. */
  waitForBanner: (timeoutMs?: number) => Promise<string>;
  /** How it exited, or undefined if it still runs after `timeoutMs`. */
  exitWithin: (timeoutMs: number) => Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>;
};

const runs: SupervisorRun[] = [];
const tempDirs: string[] = [];

/** A temporary directory the `postgres` system user can enter, removed after the test. */
export function tempDir(prefix = "flash-sale-start-"): string {
  const dir = makePostgresTempDir(prefix);
  tempDirs.push(dir);
  return dir;
}

/** Registers a directory of the test's own for removal after the test. */
export function removeAfterTest(dir: string): void {
  tempDirs.push(dir);
}

/** The environment a process would get from a shell, plus `extra`: none of the test runner's settings or secrets. */
export function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...baseEnv(), ...extra } as unknown as NodeJS.ProcessEnv;
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("VITEST") || ["NODE_ENV", "DATABASE_URL", "SESSION_SECRET", "ADMIN_PASSWORD", "DATA_DIR", "PORT", "HOST", "WORKERS", "TEST"].includes(key)) continue;
    env[key] = value;
  }
  return env;
}

/** When the process started (clock ticks since boot): with the id, it names one process, not a reused id. */
function startTime(pid: number): number | undefined {
  return processStat(pid)?.startTicks;
}

/** Processes whose process group is `pgid` and that started no earlier than `since` (ticks). */
function groupMembers(pgid: number, since: number): number[] {
  return fs.readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    const stat = processStat(Number(entry));
    return stat && stat.pgrp === pgid && stat.startTicks >= since ? [Number(entry)] : [];
  });
}

/** The process id in DATA_DIR/pg/postmaster.pid, while that file exists. */
export function postmasterPid(dataDir: string): number | undefined {
  return readPostmasterPid(path.join(dataDir, "pg"));
}

/** Starts the supervisor on `dataDir` and `port`; `env` is added to a shell's environment (undefined removes a variable). */
export function startSupervisor({ dataDir, port, env = {} }: { dataDir: string; port: number; env?: Record<string, string | undefined> }): SupervisorRun {
  const fullEnv: Record<string, string> = { ...baseEnv(), DATA_DIR: dataDir, PORT: String(port), WORKERS: "1", LOG_LEVEL: "info" };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete fullEnv[key];
    else fullEnv[key] = value;
  }
  const child = spawnSupervisor({ env: fullEnv as unknown as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const output: string[] = [];
  const listeners = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream?.setEncoding("utf8");
    stream?.on("error", () => {});
    stream?.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      output.push(...lines);
      for (const listener of listeners) listener();
    });
  }
  const pids = new Map<number, number | undefined>([[child.pid!, startTime(child.pid!)]]);
  const since = pids.get(child.pid!) ?? 0;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const listener of listeners) listener();
  });
  // Notes the tree four times a second while the supervisor runs (bounded by its life).
  const poll = setInterval(() => {
    if (hasExited) return clearInterval(poll);
    for (const pid of processTree(child.pid!)) if (!pids.has(pid)) pids.set(pid, startTime(pid));
  }, 250);

  const run: SupervisorRun = {
    child,
    pid: child.pid!,
    dataDir,
    port,
    since,
    output,
    pids,
    // What its processes print besides log lines is mixed in, and such a line may start with "{" without being JSON.
    logs: () => jsonLines(output, { skipUnparsable: true }),
    waitForLine: (match, timeoutMs, what) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const line = output.find(match);
          if (line !== undefined) return done(() => resolve(line));
          if (hasExited) return done(() => reject(new Error(`the supervisor exited before ${what}; its output:\n${output.slice(-40).join("\n")}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output:\n${output.slice(-40).join("\n")}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      }),
    waitForBanner: async (timeoutMs = 90_000) => {
      await run.waitForLine((line) => line.includes("Press Ctrl-C to stop"), timeoutMs, "the banner");
      const start = output.findIndex((line) => line.includes("Flash sale is running at"));
      const end = output.findIndex((line) => line.includes("Press Ctrl-C to stop"));
      return output.slice(start, end + 1).join("\n");
    },
    exitWithin: (timeoutMs) => Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs))]),
  };
  runs.push(run);
  return run;
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}

/**
 * Stops whatever the test's supervisors left running, by id: each DATA_DIR's Postgres first (a fast
 * shutdown, SIGKILL after 10 s), then every process seen in their trees and left in their process groups; then
 * removes the test's directories.
 */
export async function cleanUpSupervisors(): Promise<void> {
  for (const run of runs.splice(0)) {
    const postmaster = postmasterPid(run.dataDir);
    if (postmaster && isAlive(postmaster)) {
      process.kill(postmaster, "SIGINT");
      for (let i = 0; i < 100 && isAlive(postmaster); i++) await new Promise((r) => setTimeout(r, 100));
    }
    // Only a process that is still the one seen (same id, same start time): ids are reused.
    for (const [pid, started] of [...run.pids].reverse()) if (started !== undefined && startTime(pid) === started) kill(pid);
    for (const pid of groupMembers(run.pid, run.since)) kill(pid);
    run.child.stdout?.destroy();
    run.child.stderr?.destroy();
  }
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
