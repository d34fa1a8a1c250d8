import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawnWeb, spawnWorker, stopProcess, waitForHttp, WEB_READY_MSG } from "@/jobs/launch";

// Real web processes (the production build behind jobs/web.ts) and workers on one database, for
// tests that need HTTP, restarts and scale-out. Every line the processes print is kept, so a test
// can read their logs.

export const STACK_ADMIN_PASSWORD = "stack-admin-password-0123456789";

export type WebProcess = { child: ChildProcess; port: number; url: string };

export type AppStack = {
  webs: WebProcess[];
  workers: ChildProcess[];
  /** Every line printed by every process of the stack, in arrival order. */
  output: string[];
  env: NodeJS.ProcessEnv;
  startWeb: () => Promise<WebProcess>;
  /** Stops web `index` with `signal` and starts it again on the same port. */
  restartWeb: (index: number, signal?: NodeJS.Signals) => Promise<WebProcess>;
  startWorker: () => ChildProcess;
  stop: () => Promise<void>;
};

const taken = new Set<number>();

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A free loopback port at or above `from`: by default the first of the vitest project's own range
 * (`STACK_PORT_FROM`, vitest.config.mts), since the two projects run side by side in two processes and
 * each sees a port as free until the web process it was picked for listens; 3306 outside vitest,
 * beside the browser tests' 3305.
 */
export async function portNear(from = Number(process.env.STACK_PORT_FROM) || 3306): Promise<number> {
  for (let port = from; port < from + 300; port++) {
    if (taken.has(port)) continue;
    if (await isFree(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${from}..${from + 300}`);
}

function collect(child: ChildProcess, output: string[]) {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      output.push(...lines);
    });
  }
}

/** Resolves once `child` logs that it listens; rejects, with its last lines, if it exits first. */
function webReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const onData = (chunk: Buffer | string) => {
      seen.push(String(chunk));
      if (seen.join("").includes(`"msg":${JSON.stringify(WEB_READY_MSG)}`)) done();
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`the web process for port ${port} exited (${signal ?? code}) before it was ready:\n${seen.join("").trim().split("\n").slice(-5).join("\n")}`));
    const timer = setTimeout(() => done(new Error(`the web process for port ${port} was not ready within 60 s`)), 60_000);
    function done(err?: Error) {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve();
    }
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Starts `webs` web processes and `workers` workers on `databaseUrl` (already migrated). */
export async function startStack(options: { databaseUrl: string; webs?: number; workers?: number; env?: Record<string, string> }): Promise<AppStack> {
  const root = path.resolve(__dirname, "..", "..");
  if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) {
    throw new Error("no production build: run `npm run build:if-stale` first (npm test does)");
  }
  // A web counts as up once it has logged WEB_READY_MSG, an info line.
  if (["warn", "error", "fatal", "silent"].includes(options.env?.LOG_LEVEL ?? "")) {
    throw new Error(`startStack waits for each web's "${WEB_READY_MSG}" line, logged at info: LOG_LEVEL=${options.env!.LOG_LEVEL} would hide it`);
  }
  const output: string[] = [];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    ADMIN_PASSWORD: STACK_ADMIN_PASSWORD,
    LOG_LEVEL: "info",
    // As behind a proxy: the client address is the last X-Forwarded-For entry (see remote.ts fromClient).
    TRUST_PROXY: "1",
    ...options.env,
  };
  const webs: WebProcess[] = [];
  const workers: ChildProcess[] = [];

  const launchWeb = async (port: number): Promise<WebProcess> => {
    const child = spawnWeb({ port, env, stdio: ["ignore", "pipe", "pipe"] });
    collect(child, output);
    const web = { child, port, url: `http://127.0.0.1:${port}` };
    // Its own "web ready" line first: a server that answers on the port may be another process's, one
    // that took it first (this one then exits, the address in use), and a test would talk to that.
    await webReady(child, port);
    await waitForHttp(`${web.url}/api/health`, 60_000);
    return web;
  };

  const stack: AppStack = {
    webs,
    workers,
    output,
    env,
    startWeb: async () => {
      const web = await launchWeb(await portNear());
      webs.push(web);
      return web;
    },
    restartWeb: async (index, signal = "SIGTERM") => {
      const old = webs[index]!;
      await stopProcess(old.child, signal);
      webs[index] = await launchWeb(old.port);
      return webs[index]!;
    },
    startWorker: () => {
      const child = spawnWorker({ env: { ...env, SKIP_MIGRATE: "1" }, stdio: ["ignore", "pipe", "pipe"] });
      collect(child, output);
      workers.push(child);
      return child;
    },
    stop: async () => {
      await Promise.all([...webs.map((w) => stopProcess(w.child, "SIGKILL")), ...workers.map((w) => stopProcess(w, "SIGKILL"))]);
    },
  };
  for (let i = 0; i < (options.workers ?? 1); i++) stack.startWorker();
  await Promise.all(Array.from({ length: options.webs ?? 1 }, () => stack.startWeb()));
  return stack;
}
