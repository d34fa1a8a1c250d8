import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import postgres from "postgres";
import { startEmbeddedPostgres, type EmbeddedCluster } from "@/db/embedded";
import { migrate } from "@/db/migrate";
import { makePostgresTempDir } from "@/db/testing/temp-dir";
import { isBuildStale, runBuild } from "@/jobs/build";
import { spawnWeb, spawnWorker, stopProcess, waitForHttp } from "@/jobs/launch";
import { treeRss } from "@/jobs/process-tree";

// Everything the benchmark runs against, started by itself and stopped afterwards: a fresh embedded
// Postgres in a temporary directory, the bench build of the web app (the app's own server,
// jobs/web.ts) and the workers.

export const BENCH_DIST_DIR = ".next-bench";
const benchEnv = { BENCH_ROUTES: "1" };

export type Stack = {
  url: string;
  origin: string;
  sessionSecret: string;
  web: ChildProcess;
  workers: ChildProcess[];
  stop: () => Promise<void>;
};

export type StackOptions = { port: number; workers: number; profileDir?: string; traceGc?: boolean; pgSettings?: string[]; env?: Record<string, string>; log: (line: string) => void };

/** Fails unless `port` on 127.0.0.1 is free: the bench must measure its own server, not a neighbour's. */
async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", () => reject(new Error(`port ${port} is in use: pass --port with a free one`)));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const root = process.cwd();
  await assertPortFree(options.port);
  const dir = makePostgresTempDir("flash-sale-bench-");
  let cluster: EmbeddedCluster | undefined;
  let web: ChildProcess | undefined;
  let workers: ChildProcess[] = [];
  // One stop, whoever asks first: the run's end, a failed start-up, or a signal (Ctrl-C, `kill`, a
  // closed terminal), which would otherwise end this process and leave Postgres running, orphaned,
  // or its data directory behind. It also stops a build or a start of Postgres in progress, and
  // start-up goes no further.
  const aborter = new AbortController();
  let starting: Promise<EmbeddedCluster> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      aborter.abort(new Error("the bench is stopping"));
      // SIGINT lets `--cpu-prof` write its profile; both the web server and the worker exit cleanly on it.
      await Promise.all([web, ...workers].flatMap((child) => (child ? [stopProcess(child, "SIGINT")] : [])));
      await (cluster ?? (await starting?.catch(() => undefined)))?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      for (const signal of stopSignals) process.off(signal, onSignal);
    })());
  // Installed until the stop has finished: a second Ctrl-C, or a signal during the run's own stop (the
  // web drains for up to 10 s), must not end this process with Postgres still running.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return options.log(`${signal}: still stopping the stack`);
    options.log(`${signal}: stopping the web, the workers and Postgres, and removing its data`);
    void stop().finally(() => process.exit(128 + (os.constants.signals[signal] ?? 0)));
  };
  for (const signal of stopSignals) process.on(signal, onSignal);

  try {
    // A stop meanwhile stops the build too, the workers it started included.
    if (isBuildStale(root, { distDir: BENCH_DIST_DIR, extraRoots: ["bench/naive.ts"] })) {
      options.log("building the web app with the bench routes (next build)");
      await runBuild(root, { env: benchEnv, signal: aborter.signal });
    }
    // Statement statistics only when profiling: the extension costs a little on every statement.
    // WAL flush timing for the report (pg_stat_io): every Buy waits for one.
    const flags = [
      "-c",
      "track_wal_io_timing=on",
      ...(options.profileDir ? ["-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track=all", "-c", "pg_stat_statements.track_planning=on"] : []),
      ...(options.pgSettings ?? []).flatMap((setting) => ["-c", setting]),
    ];
    starting = startEmbeddedPostgres({ dir, persistent: false, flags, signal: aborter.signal });
    cluster = await starting;
    const admin = postgres(cluster.url("postgres"), { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe("CREATE DATABASE bench");
    } finally {
      await admin.end();
    }
    const url = cluster.url("bench");
    await migrate(url);
    if (options.profileDir) {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`;
      await sql.end();
    }

    const sessionSecret = "bench-session-secret-0123456789-0123456789";
    const nodeArgs = options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : [];
    const env = {
      ...process.env,
      ...benchEnv,
      DATABASE_URL: url,
      DATA_DIR: dir,
      SESSION_SECRET: sessionSecret,
      ADMIN_PASSWORD: "bench-admin-password",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      // Every simulated shopper comes from 127.0.0.1: the per-IP bucket would stop the storm after its
      // burst, so it is lifted for the run. The per-shopper limit stays as configured.
      RATE_LIMIT_IP_PER_SECOND: "1000000",
      RATE_LIMIT_IP_BURST: "0",
      ...options.env,
    };
    const stdio: ["ignore", "inherit", "inherit"] = ["ignore", "inherit", "inherit"];
    // `--trace-gc`: the web's garbage collections, one line each on its output (the web's only: its
    // event loop is the one every request waits for).
    aborter.signal.throwIfAborted();
    const webProcess = spawnWeb({ port: options.port, env, stdio, nodeArgs: options.traceGc ? [...nodeArgs, "--trace-gc"] : nodeArgs });
    web = webProcess;
    workers = Array.from({ length: options.workers }, () => spawnWorker({ env: { ...env, SKIP_MIGRATE: "1" }, stdio, nodeArgs }));
    const origin = `http://127.0.0.1:${options.port}`;
    const exited = new Promise<never>((_, reject) => webProcess.once("exit", (code) => reject(new Error(`the web server exited (${code}) during start-up`))));
    exited.catch(() => {}); // an exit after start-up (at stop) is expected
    await Promise.race([waitForHttp(`${origin}/api/health`, 60_000), exited]);
    return { url, origin, sessionSecret, web: webProcess, workers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const stopSignals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Resident memory (MiB) of a process and all its descendants; 0 without a process. */
export const rssMiB = (pid: number | undefined): number => (pid ? Math.round(treeRss(pid) / 2 ** 20) : 0);
