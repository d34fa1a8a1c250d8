import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import { config, databaseUrl } from "./config";
import { connectTo } from "./connection-url";
import { REQUEST_DEADLINE_MS } from "./deadline";
import * as schema from "./schema";

export type Db = PostgresJsDatabase<typeof schema>;

type Pool = { sql: postgres.Sql; db: Db };

// One pool per process, created on first use (so `next build` never connects) and kept on globalThis
// so dev-mode reloads do not leak pools.
const holder = globalThis as unknown as { __flashSalePool?: Pool; __flashSaleAdmissionSql?: postgres.Sql };

// Sized on purpose: Postgres runs on the same few cores, so more connections than this only add
// contention. The web tier's transactions are single round trips; a worker holds one per batch.
function poolSize(): number {
  return config().PG_POOL_MAX ?? (process.env.FLASH_ROLE === "worker" ? 4 : 10);
}

function connect(options: { max: number; name: string; parameters?: Record<string, string> }): postgres.Sql {
  return connectTo(databaseUrl(), {
    max: options.max,
    idle_timeout: 30,
    // A database that is down or restarting answers a request with a quick 503, not a long wait:
    // connecting gives up after PG_CONNECT_TIMEOUT (3 s by default), and a broken connection tries
    // again within 1 s (postgres.js would otherwise back off up to 20 s, holding queued queries that long).
    connect_timeout: config().PG_CONNECT_TIMEOUT,
    // And a connection the network dropped without a reset (a failover, a NAT's idle timeout) is closed
    // once a query on it has heard nothing for PG_SOCKET_TIMEOUT (30 s by default), and the query
    // fails as any broken connection's does (503 for a request, a retry for the worker), instead of
    // waiting the ~15 minutes the kernel retransmits for. A web process's shared backlog count on
    // such a connection would hold every Buy that long. Every statement here is bounded well below
    // it: by a lock_timeout (below) and by work sized to finish in milliseconds.
    socket_timeout: config().PG_SOCKET_TIMEOUT || null,
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    // Prepared statements: every hot query is parsed once per connection.
    prepare: true,
    onnotice: () => {},
    connection: { application_name: options.name, ...options.parameters },
  });
}

/**
 * A worker's statements wait at most WORKER_LOCK_TIMEOUT for a lock. Allocations of one sale queue
 * for its row behind each other for milliseconds; a transaction left open on a sale's row or an order
 * (an operator's session) would otherwise hold the worker's batch, and with it the allocation of every
 * other sale's orders in that batch, until it ends. The batch is then allocated sale by sale, each
 * sale's statement skipping orders another transaction holds (jobs/place-order.ts), so only the held
 * order's or sale's jobs fail and are retried with backoff. A held sale row costs a batch this and a
 * 2 s wait (db/allocation.ts), inside the 15 s after which pg-boss hands an active job to another worker.
 */
export const WORKER_LOCK_TIMEOUT_MS = 5_000;

/**
 * And the web's, a little past its request deadline (db/deadline.ts). A request answered 503 at the
 * deadline leaves its query running; one waiting on a lock (a table a migration or a VACUUM FULL
 * holds for longer) kept its pool connection until the lock went, and a page's worth of them took
 * every connection of the process, so nothing was answered, even what never touches that table.
 * Nothing a request waits for is of use past its deadline. Where waiting longer than a moment is
 * the wrong answer, a statement sets a shorter one of its own (admission, an admin's edit, health).
 */
const WEB_LOCK_TIMEOUT_MS = REQUEST_DEADLINE_MS + 500;

/**
 * The statement that makes the rest of a transaction wait at most `ms` for a lock: for work that must
 * give up on a held row sooner than its connection's own lock_timeout.
 */
export const setLocalLockTimeout = (ms: number) => `SET LOCAL lock_timeout = '${ms}ms'`;

export function getPool(): Pool {
  if (holder.__flashSalePool) return holder.__flashSalePool;
  const role = process.env.FLASH_ROLE ?? "web";
  const sql = connect({
    max: poolSize(),
    name: `flash-sale-${role}`,
    parameters: { lock_timeout: `${role === "worker" ? WORKER_LOCK_TIMEOUT_MS : WEB_LOCK_TIMEOUT_MS}ms` },
  });
  const db = drizzle(sql, { schema });
  holder.__flashSalePool = { sql, db };
  return holder.__flashSalePool;
}

/**
 * The connections that run the group admission statement (db/group-admission.ts), one per statement
 * in flight. They plan it once, generically. Left to itself Postgres plans a statement whose arrays
 * hold a handful of Buys afresh for its first five executions and again after every invalidation
 * (autovacuum's statistics, for one), as a custom plan looks cheaper for a short array; in
 * `npm run bench -- --quick --profile` that was one planning in nine executions of the open loop,
 * each costing about what an execution does. The setting is per connection, so it stays off the
 * main pool, whose admin searches want plans made for their actual parameters.
 *
 * And a statement waits at most ADMISSION_LOCK_TIMEOUT for a lock. A repeat click's INSERT waits on
 * its existing order while another transaction changes that row (an allocation, for milliseconds), and
 * the whole group with it: a transaction left open on an order (an operator's session) would otherwise
 * hold every Buy of this process. The group is then retried Buy by Buy (db/batcher.ts), so only the
 * Buy whose row is held gets 503 `unavailable`, and retries it.
 */
const ADMISSION_LOCK_TIMEOUT = "2s";

export function getAdmissionSql(max: number): postgres.Sql {
  holder.__flashSaleAdmissionSql ??= connect({
    max,
    name: "flash-sale-admission",
    parameters: { plan_cache_mode: "force_generic_plan", lock_timeout: ADMISSION_LOCK_TIMEOUT },
  });
  return holder.__flashSaleAdmissionSql;
}

export function getDb(): Db {
  return getPool().db;
}

export async function closeDb(timeoutSeconds = 5): Promise<void> {
  const pool = holder.__flashSalePool;
  const admission = holder.__flashSaleAdmissionSql;
  holder.__flashSalePool = undefined;
  holder.__flashSaleAdmissionSql = undefined;
  await Promise.all([pool?.sql.end({ timeout: timeoutSeconds }), admission?.end({ timeout: timeoutSeconds })]);
}
