import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import path from "node:path";

// How the app's processes are started, shared by `npm start`, the browser tests and the benchmark.

const root = path.resolve(__dirname, "..");

/** The web's log message once it listens (at info): what launchers that read its log wait for. */
export const WEB_READY_MSG = "web ready";

// `nodeArgs` go to node itself (e.g. --cpu-prof, which NODE_OPTIONS does not accept).
type LaunchOptions = { env: NodeJS.ProcessEnv; stdio?: StdioOptions; nodeArgs?: string[] };

// Web and worker are told who started them (FLASH_PARENT_PID) and stop once that process is gone
// (jobs/early-signals.ts), so killing their parent outright does not leave them serving on.

/** The production build behind the app's own server (jobs/web.ts, graceful on SIGTERM), on host:port. */
export function spawnWeb({ port, host = "127.0.0.1", env, stdio = "inherit", nodeArgs = [] }: LaunchOptions & { port: number; host?: string }): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, "--import", "tsx", path.join(root, "jobs", "web.ts")], {
    cwd: root,
    env: { ...env, PORT: String(port), HOST: host, NODE_ENV: "production", FLASH_ROLE: "web", NEXT_TELEMETRY_DISABLED: "1", FLASH_PARENT_PID: String(process.pid) },
    stdio,
  });
}

/** One worker process. tsx runs as a loader inside this node process (its CLI would fork a second
 * one), so a signal sent to the child reaches the worker itself. */
export function spawnWorker({ env, stdio = "inherit", nodeArgs = [] }: LaunchOptions): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, "--import", "tsx", path.join(root, "jobs", "worker.ts")], {
    cwd: root,
    env: { ...env, FLASH_ROLE: "worker", FLASH_PARENT_PID: String(process.pid) },
    stdio,
  });
}

/**
 * `npm start`'s supervisor (jobs/start.ts), run from the app's directory. As for the workers, tsx is a
 * loader inside this node process, so a signal sent to the child reaches the supervisor itself;
 * `detached` makes it the leader of a process group of its own, as a shell makes a job.
 */
export function spawnSupervisor({ env, stdio = "inherit", nodeArgs = [], detached = false }: LaunchOptions & { detached?: boolean }): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, "--import", "tsx", path.join(root, "jobs", "start.ts")], { cwd: root, env, stdio, detached });
}

/** Whether `child` was started and has neither exited nor been ended by a signal. */
export function isRunning(child: ChildProcess | undefined): boolean {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** Sends `signal`, and SIGKILL if the process has not exited after `timeoutMs`. Resolves on exit. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<number | null> {
  return new Promise((resolve) => {
    if (!isRunning(child)) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** Resolves once GET url answers 200, or rejects after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
