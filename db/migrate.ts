import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate as runMigrations } from "drizzle-orm/postgres-js/migrator";
import type postgres from "postgres";
import { PgBoss } from "pg-boss";
import { ensureQueues } from "@/jobs/queues";
import { config } from "./config";
import { connectTo, postgresJsTarget, pgConnectionString } from "./connection-url";
import { OperatorError } from "./operator-error";

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

// drizzle's migrator takes no lock of its own: two processes starting together against one database
// (two `npm run worker`s) would both create its bookkeeping table and run the same migrations.
const MIGRATION_LOCK = 7_215_120_931;

/**
 * A DATABASE_URL the database will not take: its message names DATABASE_URL, the host and port (never
 * the password), what went wrong and what to check. An operator's to fix, not the app's fault, so it is
 * told in one line, without a stack trace (an OperatorError).
 */
export class DatabaseUrlError extends OperatorError {
  override name = "DatabaseUrlError";
}

/** Where `url` points, as postgres.js resolves it: no host anywhere is PGHOST, else localhost. */
function hostAndPort(url: string): string {
  const { url: plain, options } = postgresJsTarget(url);
  const { hostname, port } = new URL(plain);
  const host = options.host ?? (hostname || process.env.PGHOST || "localhost");
  return `${host}:${options.port ?? (port || 5432)}`;
}

type DriverError = { code?: unknown; message?: unknown; errors?: unknown };

/** The driver's code, also of a refusal Node reports as an AggregateError (localhost tried as ::1 and 127.0.0.1). */
function driverCode(err: DriverError): string | undefined {
  if (typeof err.code === "string") return err.code;
  const first = Array.isArray(err.errors) ? (err.errors[0] as DriverError | undefined) : undefined;
  return typeof first?.code === "string" ? first.code : undefined;
}

/**
 * The refusals a wrong DATABASE_URL meets, told as DatabaseUrlErrors: nothing listening at its host and
 * port, its user not let in (28P01 wrong password, 28000 no such role or no pg_hba.conf entry), no such
 * database (3D000). Anything else: undefined.
 */
function refusal(err: DriverError, url: string): DatabaseUrlError | undefined {
  const where = `the database in DATABASE_URL (${hostAndPort(url)})`;
  const said = typeof err.message === "string" ? err.message : "";
  switch (driverCode(err)) {
    case "ECONNREFUSED":
      return new DatabaseUrlError(`${where} refused the connection: nothing listens there (ECONNREFUSED). Check its host and port, and that Postgres is running.`);
    case "28P01":
      return new DatabaseUrlError(`${where} did not accept the password of its user (28P01: ${said}). Check the user and password in DATABASE_URL.`);
    case "28000":
      return new DatabaseUrlError(`${where} did not let its user in (28000: ${said}). Check the user in DATABASE_URL, and that the server's pg_hba.conf admits it from here.`);
    case "3D000":
      return new DatabaseUrlError(`${where} has no such database (3D000: ${said}). Check the database name in DATABASE_URL, or create it (createdb).`);
    default:
      return undefined;
  }
}

/**
 * Fails, naming where it tried (never the password), unless the database answers within `ms`. A host
 * that drops packets, or a server that accepts and never answers, would otherwise hold start-up at
 * "applying migrations" for good: postgres.js tries connecting again and again, each time for
 * PG_CONNECT_TIMEOUT, and a queued query waits through all of them. A refused connection, a user not
 * let in or a missing database fails at once, and is named the same way (DatabaseUrlError).
 */
async function reachable(sql: postgres.Sql, url: string, ms: number): Promise<void> {
  const startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
  // A connection that opens and then hears nothing back is told apart from one refused outright.
  const answered = sql`SELECT 1`.then(
    () => "answered" as const,
    (err: DriverError) => {
      if (err.code === "CONNECT_TIMEOUT") return "late" as const;
      throw refusal(err, url) ?? err;
    },
  );
  try {
    if ((await Promise.race([answered, late])) === "answered") return;
  } finally {
    clearTimeout(timer);
  }
  await sql.end({ timeout: 0 });
  throw new DatabaseUrlError(`cannot reach the database in DATABASE_URL (${hostAndPort(url)}): no answer within ${Math.max(1, Math.round((Date.now() - startedAt) / 1000))} s. Check its host, port and network.`);
}

/** How long a start-up waits for a first answer: five of the driver's connect timeouts. */
const defaultReachMs = () => 5 * config().PG_CONNECT_TIMEOUT * 1000;
const oneConnection = (url: string) => connectTo(url, { max: 1, onnotice: () => {}, connect_timeout: config().PG_CONNECT_TIMEOUT });

/**
 * Fails with a DatabaseUrlError, as `migrate` does, unless the database in `url` answers: for a process
 * started on a database someone else migrates (SKIP_MIGRATE=1), whose first query would otherwise fail
 * with the driver's bare message.
 */
export async function assertReachable(url: string, { reachWithinMs = defaultReachMs() }: { reachWithinMs?: number } = {}): Promise<void> {
  const sql = oneConnection(url);
  try {
    await reachable(sql, url, reachWithinMs);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Brings a database up to date: the app's committed SQL migrations, then pg-boss's own schema and
 * the app's queues. Safe to run concurrently and on every start: the app's migrations run under a
 * session advisory lock (held by the one connection the migrator uses), pg-boss takes its own.
 */
export async function migrate(url: string, { reachWithinMs = defaultReachMs() }: { reachWithinMs?: number } = {}): Promise<void> {
  const sql = oneConnection(url);
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
