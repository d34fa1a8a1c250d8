import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate as runMigrations } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { PgBoss } from "pg-boss";
import { ensureQueues } from "@/jobs/queues";

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

/**
 * Brings a database up to date: the app's committed SQL migrations, then pg-boss's own schema and
 * the app's queues. Safe to run concurrently and on every start (both take advisory locks).
 */
export async function migrate(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await runMigrations(drizzle(sql), { migrationsFolder });
  } finally {
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
