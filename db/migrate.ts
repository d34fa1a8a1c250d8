import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate as runMigrations } from "drizzle-orm/postgres-js/migrator";
import type postgres from "postgres";
import { PgBoss } from "pg-boss";
import { ensureQueues } from "@/jobs/queues";
import { config } from "./config";
import { connectTo, postgresJsTarget, pgConnectionString } from "./connection-url";

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

// drizzle's migrator takes no lock of its own: two processes starting together against one database
// (two `npm run worker`s) would both create its bookkeeping table and run the same migrations.
const MIGRATION_LOCK = 7_215_120_931;

/**
 * Fails, naming where it tried (never the password), unless the database answers within `ms`. A host
 * that drops packets, or a server that accepts and never answers, would otherwise hold start-up at
 * "applying migrations" for good: postgres.js tries connecting again and again, each time for
 * PG_CONNECT_TIMEOUT, and a queued query waits through all of them.
 */
async function reachable(sql: postgres.Sql, url: string, ms: number): Promise<void> {
  const startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
  // A refused connection or a wrong password fails on its own, with the driver's clear message; a
  // connection that opens and then hears nothing back is this function's to name.
  const answered = sql`SELECT 1`.then(
    () => "answered" as const,
    (err: { code?: string }) => {
      if (err.code === "CONNECT_TIMEOUT") return "late" as const;
      throw err;
    },
  );
  try {
    if ((await Promise.race([answered, late])) === "answered") return;
  } finally {
    clearTimeout(timer);
  }
  const { url: plain, options } = postgresJsTarget(url);
  const { hostname, port } = new URL(plain);
  // As postgres.js resolves it: no host anywhere is PGHOST, else localhost.
  const host = options.host ?? (hostname || process.env.PGHOST || "localhost");
  await sql.end({ timeout: 0 });
  throw new Error(`cannot reach the database in DATABASE_URL (${host}:${options.port ?? (port || 5432)}): no answer within ${Math.max(1, Math.round((Date.now() - startedAt) / 1000))} s. Check its host, port and network.`);
}

/**
 * Brings a database up to date: the app's committed SQL migrations, then pg-boss's own schema and
 * the app's queues. Safe to run concurrently and on every start: the app's migrations run under a
 * session advisory lock (held by the one connection the migrator uses), pg-boss takes its own.
 */
export async function migrate(url: string, { reachWithinMs = 5 * config().PG_CONNECT_TIMEOUT * 1000 }: { reachWithinMs?: number } = {}): Promise<void> {
  const sql = connectTo(url, { max: 1, onnotice: () => {}, connect_timeout: config().PG_CONNECT_TIMEOUT });
  try {
    await reachable(sql, url, reachWithinMs);
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    await runMigrations(drizzle(sql), { migrationsFolder });
  } finally {
    // Ending the session releases the lock, also when a migration failed.
    await sql.end({ timeout: 5 });
  }
  const boss = new PgBoss({ connectionString: pgConnectionString(url), max: 2, migrate: true, supervise: false, schedule: false });
  boss.on("error", () => {});
  await boss.start();
  try {
    await ensureQueues(boss);
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}
