import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate as runMigrations } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { PgBoss } from "pg-boss";
import { ensureQueues } from "@/jobs/queues";

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

// drizzle's migrator takes no lock of its own: two processes starting together against one database
// (two `npm run worker`s) would both create its bookkeeping table and run the same migrations.
const MIGRATION_LOCK = 7_215_120_931;

/**
 * Brings a database up to date: the app's committed SQL migrations, then pg-boss's own schema and
 * the app's queues. Safe to run concurrently and on every start: the app's migrations run under a
 * session advisory lock (held by the one connection the migrator uses), pg-boss takes its own.
 */
export async function migrate(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    await runMigrations(drizzle(sql), { migrationsFolder });
  } finally {
    // Ending the session releases the lock, also when a migration failed.
    await sql.end({ timeout: 5 });
  }
  const boss = new PgBoss({ connectionString: url, max: 2, migrate: true, supervise: false, schedule: false });
  boss.on("error", () => {});
  await boss.start();
  try {
    await ensureQueues(boss);
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}
