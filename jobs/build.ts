import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { isAlive } from "./process-tree";

const sourceRoots = ["app", "components", "db", "jobs"];
const sourceFiles = ["next.config.ts", "package-lock.json", "postcss.config.mjs", "tsconfig.json"];

function newestMtime(entry: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  // Tests are not part of the build: editing one does not make the build stale.
  if (!stat.isDirectory()) return entry.endsWith(".test.ts") ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

/** True when there is no production build in `distDir`, or a source file changed after it was made. */
export function isBuildStale(root: string = process.cwd(), { distDir = ".next", extraRoots = [] }: { distDir?: string; extraRoots?: string[] } = {}): boolean {
  const buildId = path.join(root, distDir, "BUILD_ID");
  if (!fs.existsSync(buildId)) return true;
  const builtAt = fs.statSync(buildId).mtimeMs;
  const newest = Math.max(...[...sourceRoots, ...sourceFiles, ...extraRoots].map((entry) => newestMtime(path.join(root, entry))));
  return newest > builtAt;
}

/** The command line of `next build` (or of `script`, given the argument `build`), run with its output shown. */
function buildCommand(root: string, env: Record<string, string>, script?: string) {
  const entry = script ? path.resolve(root, script) : path.join(root, "node_modules", "next", "dist", "bin", "next");
  return { args: [entry, "build"], options: { cwd: root, stdio: "inherit" as const, env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" } } };
}

/**
 * `next build` in the foreground, in this process's group, so Ctrl-C reaches it: for the browser
 * tests' setup, which stops with it. `npm start` and the benchmark use runBuild, below.
 */
export function buildWebApp(root: string = process.cwd(), env: Record<string, string> = {}): void {
  const { args, options } = buildCommand(root, env);
  const result = spawnSync(process.execPath, args, options);
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
}

/**
 * `next build` (or, when `script` is given, that node script with the argument `build`) as a child
 * process in a process group of its own, with its output shown; `signal` stops it, the workers it
 * started included (SIGTERM, then SIGKILL after 5 s), and the promise then rejects with the signal's
 * reason. The event loop stays free meanwhile, so `npm start` can answer a signal during a long build.
 */
export function runBuild(root: string, { env = {}, signal, script }: { env?: Record<string, string>; signal?: AbortSignal; script?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const { args, options } = buildCommand(root, env, script);
    // Its own group: a stop reaches every process of the build, and Ctrl-C only through this one.
    const child = spawn(process.execPath, args, { ...options, detached: true });
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    let forceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      killGroup("SIGTERM");
      forceTimer = setTimeout(() => killGroup("SIGKILL"), 5000);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (err) => {
      signal?.removeEventListener("abort", onAbort);
      reject(err);
    });
    child.once("exit", (code, sig) => {
      signal?.removeEventListener("abort", onAbort);
      if (forceTimer) clearTimeout(forceTimer);
      if (signal?.aborted) {
        // What the build left running in its group goes with it.
        killGroup("SIGKILL");
        return reject(signal.reason);
      }
      if (code === 0) resolve();
      else reject(new Error(`next build failed (exit ${code ?? sig})`));
    });
  });
}

const BUILD_LOCK = ".next-build.lock";

/**
 * Runs `build` when `isStale()` says so, holding the checkout's build lock (`.next-build.lock`, its
 * holder's pid). Several `npm start`s of one checkout started together (extra web processes joining one
 * database) would each run `next build` into the same `.next`, and Next refuses every one but the first:
 * the others wait for its build instead (`onWait` once, then every 500 ms until the lock goes or `signal`
 * aborts), then ask `isStale()` again, and the first build is all they needed. A lock whose holder has
 * died (killed mid-build) is taken over.
 */
export async function buildUnderLock(
  root: string,
  { build, isStale, onWait, signal }: { build: () => Promise<void>; isStale: () => boolean; onWait?: (holder: number) => void; signal?: AbortSignal },
): Promise<void> {
  const lock = path.join(root, BUILD_LOCK);
  let hasWaited = false;
  for (;;) {
    signal?.throwIfAborted();
    let fd: number;
    try {
      fd = fs.openSync(lock, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(fs.readFileSync(lock, "utf8").trim());
      if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (!hasWaited) onWait?.(holder);
      hasWaited = true;
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal!.reason);
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, 500);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      continue;
    }
    try {
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      if (isStale()) await build();
      return;
    } finally {
      fs.rmSync(lock, { force: true });
    }
  }
}
