import { PgBoss, type ConstructorOptions } from "pg-boss";
import { config, databaseUrl } from "@/db/config";
import { pgConnectionString } from "@/db/connection-url";
import { isMomentaryConnectionLoss, log } from "@/db/log";

type Role = "web" | "worker" | "admin";

// The web tier only inserts jobs (allocation jobs inside the admission statement, from pg-boss's own
// SQL; status changes with send()), so its pg-boss keeps a tiny pool and runs no maintenance; workers supervise (expire and retry jobs) and listen for NOTIFY.
export function createBoss(role: Role): PgBoss {
  const isWorker = role === "worker";
  const options: ConstructorOptions & { query_timeout?: number } = {
    connectionString: pgConnectionString(databaseUrl()),
    application_name: `flash-sale-${role}-boss`,
    max: isWorker ? 4 : 2,
    migrate: role === "admin",
    supervise: isWorker,
    schedule: false,
    useListenNotify: isWorker,
    // Finds jobs of a crashed worker soon after they expire: pg-boss fails expired jobs (for a retry)
    // in its monitor pass, which runs at the longer of these two intervals. The pass also refreshes the
    // queues' cached counts, a small aggregate, so every 5 s costs little.
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
    // How often a queue's finished jobs are deleted once past their `deleteAfterSeconds`
    // (jobs/queues.ts). pg-boss's default, once a day, would keep a day of allocated orders' jobs in
    // the table every fetch works over, where the queue's policy says an hour.
    maintenanceIntervalSeconds: 300,
  };
  // A connection the network dropped without a reset would hold a worker's fetch or a web's send for
  // the ~15 minutes the kernel retransmits for. pg's `query_timeout` (passed through pg-boss to its
  // pool) fails a query that has taken PG_SOCKET_TIMEOUT, and the pool then discards its connection.
  // Unlike the app's own pools (db/client.ts) this bounds a query's whole time, which every pg-boss
  // statement of a running app stays far below; its migrations (the admin role) are left unbounded.
  const socketTimeout = role === "admin" ? 0 : config().PG_SOCKET_TIMEOUT;
  if (socketTimeout > 0) options.query_timeout = socketTimeout * 1000;
  const boss = new PgBoss(options);
  // Logged compactly by db/log.ts (never the pg client an error carries), and more quietly when a
  // shutdown explains it (db/log.ts shutdownLevel): Ctrl-C stops Postgres and the app at once.
  boss.on("error", (err: unknown) => logBossError(err));
  boss.on("warning", (warning: unknown) => log.warn({ warning }, "pg-boss warning"));
  return boss;
}

/**
 * A pg-boss error as the log tells it. The database out of reach for a moment (Postgres restarted under
 * the app, failing over or frozen: refused, reset, terminated or timed-out connections) is a warning
 * without a stack: pg-boss reconnects and the app recovers by itself, and every poll that failed meanwhile
 * would otherwise page whoever alerts on errors, several times per outage. Anything else is an error.
 */
export function logBossError(err: unknown): void {
  if (isMomentaryConnectionLoss(err)) log.warn({ err }, "pg-boss lost its database connection; it reconnects by itself");
  else log.error({ err }, "pg-boss error");
}

const holder = globalThis as unknown as { __flashSaleBoss?: Promise<PgBoss> };

/** The web process's pg-boss, started on first use. */
export function webBoss(): Promise<PgBoss> {
  holder.__flashSaleBoss ??= (async () => {
    const boss = createBoss("web");
    await boss.start();
    return boss;
  })().catch((err) => {
    holder.__flashSaleBoss = undefined;
    throw err;
  });
  return holder.__flashSaleBoss;
}

export async function stopWebBoss(timeoutMs = 5000): Promise<void> {
  const pending = holder.__flashSaleBoss;
  holder.__flashSaleBoss = undefined;
  if (pending) await (await pending).stop({ graceful: true, timeout: timeoutMs }).catch(() => {});
}

/** pg-boss's schema (its default), for the statements the app builds from pg-boss's own SQL. */
export const BOSS_SCHEMA = "pgboss";

const jobTables = new Map<string, Promise<string>>();

/** The table pg-boss keeps a queue's jobs in, looked up once per process and queue. */
export function jobTable(boss: PgBoss, queue: string): Promise<string> {
  let table = jobTables.get(queue);
  if (!table) {
    table = boss.getQueue(queue).then((found) => {
      const name = (found as { table?: string } | null)?.table;
      if (!name || !/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`queue ${queue} has no job table pg-boss can name`);
      return name;
    });
    // A failed lookup (database down at start-up) is tried again by the next caller.
    table.catch(() => jobTables.delete(queue));
    jobTables.set(queue, table);
  }
  return table;
}
