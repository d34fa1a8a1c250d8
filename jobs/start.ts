import "./start-role";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import pino from "pino";
import postgres from "postgres";
import { closeDb } from "@/db/client";
import { config } from "@/db/config";
import { startEmbeddedPostgres, type EmbeddedCluster } from "@/db/embedded";
import { log, redactSecrets } from "@/db/log";
import { assertConnectionCapacity } from "@/db/capacity";
import { whenParentGone } from "./parent-watch";
import { migrate } from "@/db/migrate";
import { clearRuntimeDatabaseUrl, writeRuntimeDatabaseUrl } from "@/db/runtime";
import { persistentSecret, readablePassword } from "@/db/secrets";
import { seedDemoSale } from "@/db/seed";
import { buildUnderLock, isBuildStale, runBuild } from "./build";
import { spawnWeb, spawnWorker, stopProcess } from "./launch";
import { settingsLines } from "./banner";
import { assertCanListen, nextRestartDelay, redactDatabaseUrl, StartupError, waitForWeb } from "./supervise";
import { localUrl, shownUrl } from "./urls";

// `npm start`: the whole app in one command. Database (embedded unless DATABASE_URL is set),
// migrations, a production build when needed, the web server and WORKERS workers, then the demo sale.
// SIGINT, SIGTERM and SIGHUP stop it at any moment, during startup too: what has been started so far
// (web and workers, a build, the embedded Postgres) is stopped, in that order, and it exits 0.

const root = process.cwd();
const DATABASE_NAME = "flash_sale";
const WEB_READY_TIMEOUT_MS = 120_000;
const POSTGRES_RESTART_ATTEMPTS = 5;

const stopping = new AbortController();
const state = {
  isStopping: false,
  /** The web server answered once: from now on it is restarted when it dies, like the workers. */
  isWebReady: false,
  /** The banner was printed: web and workers run. */
  isRunning: false,
  cluster: undefined as EmbeddedCluster | undefined,
  children: new Set<ChildProcess>(),
  /** Restarts waiting for their delay. */
  timers: new Set<NodeJS.Timeout>(),
  /** Steps a stop ends by aborting (the build, a Postgres start): awaited before Postgres stops. */
  steps: new Set<Promise<unknown>>(),
};

// A closed terminal turns every write into an error (EIO, EPIPE); losing the output then must not stop
// the supervisor from stopping its processes.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});
(log as unknown as Record<symbol, NodeJS.EventEmitter | undefined>)[pino.symbols.streamSym]?.on("error", () => {});

/** A step that a stop aborts: tracked, so the stop waits for it to wind down. */
function track<T>(step: Promise<T>): Promise<T> {
  state.steps.add(step);
  step.then(
    () => state.steps.delete(step),
    () => state.steps.delete(step),
  );
  return step;
}

/** Between startup steps: nothing more starts once a stop began. */
function checkpoint(): void {
  stopping.signal.throwIfAborted();
}

function later(ms: number, run: () => void): void {
  const timer = setTimeout(() => {
    state.timers.delete(timer);
    if (!state.isStopping) run();
  }, ms);
  state.timers.add(timer);
}

const sleep = (ms: number) => new Promise<void>((resolve) => later(ms, resolve));

let stopped: Promise<never> | undefined;

/** Stops web and workers (SIGTERM, 15 s each), any build or Postgres start in progress, then the embedded Postgres; exits. */
function stopEverything(exitCode: number): Promise<never> {
  stopped ??= (async () => {
    state.isStopping = true;
    stopping.abort(new Error("stopping"));
    for (const timer of state.timers) clearTimeout(timer);
    await Promise.all([...state.children].map((child) => stopProcess(child, "SIGTERM", 15_000)));
    await Promise.allSettled([...state.steps]);
    let code = exitCode;
    if (state.cluster) {
      clearRuntimeDatabaseUrl();
      try {
        await state.cluster.stop();
        log.info("embedded Postgres stopped; data kept");
      } catch (err) {
        // Not a clean stop: a copy of DATA_DIR taken now would not be a backup.
        log.error({ err }, "the embedded Postgres did not stop cleanly and may still be running");
        code = 1;
      }
    }
    process.exit(code);
  })();
  return stopped;
}

/** A failure that ends the supervisor: logged (fatal) and said on stderr, then everything stops, exit 1. */
function fail(err: unknown, context = "could not start"): void {
  if (state.isStopping) {
    // Connections cut by the stop itself.
    log.debug({ err }, "error while stopping");
    return;
  }
  // An OperatorError (a DATABASE_URL the database refuses, a port in use) is logged without a stack.
  log.fatal({ err }, context);
  // Also in plain words for the person at the terminal (the log line above carries the same message).
  process.stderr.write(`\n  npm start: ${context}: ${redactSecrets(err instanceof Error ? err.message : String(err))}\n\n`);
  void stopEverything(1);
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (state.isStopping) return void log.info({ signal }, "already stopping");
    log.info({ signal }, state.isRunning ? "stopping web and workers" : "stopping during startup");
    void stopEverything(0);
  });
}
// `npm start` runs as npm → sh → this process. Stopping npm alone (a service manager's SIGTERM to its
// main pid, a terminal closed under it) ends npm and the shell without passing the signal on: this
// process, adopted by another, then stops everything as if told to, rather than run on unowned.
const parentAtStart = process.ppid;
whenParentGone(parentAtStart, () => {
  if (state.isStopping) return;
  log.warn({ parentPid: parentAtStart }, "the process that started npm start is gone (npm was stopped): stopping web and workers");
  void stopEverything(0);
});
process.on("uncaughtException", (err) => fail(err, "unexpected error"));
process.on("unhandledRejection", (err) => fail(err, "unexpected error"));

async function ensureDatabase(cluster: EmbeddedCluster): Promise<string> {
  const admin = postgres(cluster.url("postgres"), { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${DATABASE_NAME}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
  return cluster.url(DATABASE_NAME);
}

/** Starts the embedded Postgres (on `port`, else on the port it had last time while that is free). */
function startPostgres(dataDir: string, port?: number): Promise<EmbeddedCluster> {
  return track(
    startEmbeddedPostgres({ dir: dataDir, persistent: true, rememberPort: true, port, signal: stopping.signal }).then((cluster) => {
      state.cluster = cluster;
      watchPostgres(dataDir, cluster);
      return cluster;
    }),
  );
}

let postgresRestartDelay = 0;

/**
 * A Postgres that dies under the app is started again on the same port, so web and workers (which
 * answer 503 meanwhile) reconnect by themselves; a restart that keeps failing stops everything (exit 1).
 */
function watchPostgres(dataDir: string, cluster: EmbeddedCluster): void {
  const startedAt = Date.now();
  void cluster.exited.then(async ({ code, signal }) => {
    // Ctrl-C reaches Postgres together with this process: let the stop that goes with it arrive first.
    await sleep(200);
    if (state.isStopping || state.cluster !== cluster) return;
    postgresRestartDelay = nextRestartDelay(postgresRestartDelay, Date.now() - startedAt);
    log.error(
      { code, signal, port: cluster.port, restartInSeconds: postgresRestartDelay / 1000 },
      `embedded Postgres exited unexpectedly; restarting it on port ${cluster.port} in ${postgresRestartDelay / 1000} s (web and workers answer 503 until it is back)`,
    );
    for (let attempt = 1; attempt <= POSTGRES_RESTART_ATTEMPTS; attempt++) {
      await sleep(postgresRestartDelay);
      if (state.isStopping) return;
      try {
        await startPostgres(dataDir, cluster.port);
        log.info({ port: cluster.port }, "embedded Postgres restarted on the same port; web and workers reconnect by themselves");
        return;
      } catch (err) {
        if (state.isStopping) return;
        log.error({ err, attempt }, "could not restart the embedded Postgres");
        postgresRestartDelay = nextRestartDelay(postgresRestartDelay, 0);
      }
    }
    fail(new StartupError(`The embedded Postgres died and could not be started again on port ${cluster.port} (${POSTGRES_RESTART_ATTEMPTS} attempts); see the errors above.`), "stopping");
  });
}

/** Runs `start` now and again whenever the process dies, after a delay that doubles while it keeps dying. */
function supervise(label: string, start: () => ChildProcess, { restartBeforeReady = true } = {}): ChildProcess {
  let delay = 0;
  const run = (): ChildProcess => {
    const child = start();
    const startedAt = Date.now();
    state.children.add(child);
    log.info({ process: label, childPid: child.pid }, "process started");
    child.once("exit", (code, signal) => {
      state.children.delete(child);
      if (state.isStopping) return;
      // A web server that never answered is a startup failure (waitForWeb), not something to retry.
      if (!restartBeforeReady && !state.isWebReady) return;
      delay = nextRestartDelay(delay, Date.now() - startedAt);
      // Orders a dead worker held are redelivered once their jobs expire.
      log.error({ process: label, childPid: child.pid, code, signal, restartInSeconds: delay / 1000 }, `process exited; restarting it in ${delay / 1000} s`);
      later(delay, run);
    });
    return child;
  };
  return run();
}

async function main(): Promise<void> {
  const cfg = config();
  const host = cfg.HOST;
  if (cfg.WORKERS === 0) {
    log.warn({ WORKERS: 0 }, "WORKERS=0: this npm start runs no worker, so orders stay pending until a worker runs against the same database (npm run worker)");
    // WORKERS=0 is how extra web processes join one database. Each must sign and check sessions with
    // the same secret and take the same admin password, or a shopper signed in on one is signed out on
    // the next: unset, both are generated into this process's own DATA_DIR.
    const unshared = (["SESSION_SECRET", "ADMIN_PASSWORD"] as const).filter((name) => cfg[name] === undefined);
    if (unshared.length > 0) {
      log.warn(
        { unset: unshared },
        `${unshared.join(" and ")} not set: this web process uses its own, generated into its DATA_DIR. Beside other web processes on the same database, give every one the same ${unshared.join(" and ")}, or shoppers signed in on one are signed out on the others`,
      );
    }
  }
  // Before anything slow: a port in use or a wrong HOST is told now, not after the build.
  await assertCanListen(cfg.PORT, host);
  checkpoint();

  let url = cfg.DATABASE_URL;
  if (!url) {
    log.info({ dir: path.join(cfg.DATA_DIR, "pg") }, "starting embedded Postgres");
    const cluster = await startPostgres(cfg.DATA_DIR);
    if (cluster.previousPort) {
      log.warn(
        { port: cluster.port, previousPort: cluster.previousPort },
        `embedded Postgres: port ${cluster.previousPort}, which it had last time, is taken, so it listens on ${cluster.port} now; restart any \`npm run worker\` started by hand`,
      );
    } else {
      log.info({ port: cluster.port }, "embedded Postgres ready");
    }
    url = await ensureDatabase(cluster);
    checkpoint();
    writeRuntimeDatabaseUrl(url);
  }
  process.env.DATABASE_URL = url;

  log.info("applying migrations");
  await migrate(url);
  checkpoint();
  await assertConnectionCapacity(url, cfg);
  checkpoint();

  // FLASH_BUILD_SCRIPT (the tests' own stand-in for `next build`) is run whether the build is stale or not.
  const buildScript = process.env.FLASH_BUILD_SCRIPT;
  if (buildScript || isBuildStale(root)) {
    if (buildScript) log.warn({ script: buildScript }, "FLASH_BUILD_SCRIPT is set: running it instead of next build (a test's stand-in)");
    else log.info("building the web app (next build)");
    const build = () => runBuild(root, { signal: stopping.signal, script: buildScript });
    // `next build` under the checkout's build lock; a test's stand-in writes no `.next` and takes none.
    await track(
      buildScript
        ? build()
        : buildUnderLock(root, {
            build,
            isStale: () => isBuildStale(root),
            onWait: (holder) => log.info({ pid: holder }, "another npm start of this checkout is building the web app: waiting for its build"),
            signal: stopping.signal,
          }),
    );
    checkpoint();
  }

  const sessionSecret = cfg.SESSION_SECRET ?? persistentSecret(cfg.DATA_DIR, "session-secret");
  const adminPassword = cfg.ADMIN_PASSWORD ?? persistentSecret(cfg.DATA_DIR, "admin-password", readablePassword);
  const env = {
    ...process.env,
    DATABASE_URL: url,
    DATA_DIR: cfg.DATA_DIR,
    SESSION_SECRET: sessionSecret,
    ADMIN_PASSWORD: adminPassword,
    LOG_LEVEL: cfg.LOG_LEVEL,
  };
  const web = supervise("web", () => spawnWeb({ port: cfg.PORT, host, env }), { restartBeforeReady: false });
  for (let i = 0; i < cfg.WORKERS; i++) supervise(`worker-${i + 1}`, () => spawnWorker({ env: { ...env, SKIP_MIGRATE: "1" } }));
  const baseUrl = localUrl(host, cfg.PORT);
  await waitForWeb(`${baseUrl}/api/health`, web, { port: cfg.PORT, host, timeoutMs: WEB_READY_TIMEOUT_MS, signal: stopping.signal });
  state.isWebReady = true;
  checkpoint();

  // Seeded once the app answers, so the demo sale opens a minute after the banner, however long the build took.
  const demo = await seedDemoSale();
  await closeDb();
  checkpoint();
  if (demo) log.info({ saleId: demo.id, startsAt: demo.startsAt }, "seeded the demo sale");
  state.isRunning = true;

  const shown = shownUrl(host, cfg.PORT);
  const cluster = state.cluster;
  const lines = [
    "",
    `  Flash sale is running at ${shown}`,
    `  Admin: ${shown}/admin  password: ${cfg.ADMIN_PASSWORD ? "(from env)" : adminPassword}`,
    `  Database: ${cluster ? `embedded Postgres in ${path.join(cfg.DATA_DIR, "pg")}, port ${cluster.port}` : redactDatabaseUrl(url)}`,
    ...settingsLines(cfg),
    `  Press Ctrl-C to stop (or send SIGTERM or SIGHUP to pid ${process.pid}).`,
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((err: unknown) => fail(err));
