import { randomUUID } from "node:crypto";
import { sql as dsql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { fromDrizzle, PgBoss } from "pg-boss";
import postgres from "postgres";
import { arrayLiteral } from "@/db/pg-array";
import { PLACE_ORDER, type PlaceOrderJob } from "@/jobs/queues";
import { auditSale, createLiveSale, pendingOrders, type SaleAudit } from "./data";

// The database side, without HTTP: how many durable commits Postgres allows, and how fast the
// worker allocates compared with one transaction per order.

/** Single-row INSERT commits per second over `connections` connections for `seconds`. */
export async function ceilingOfDurableWrites({ url, connections, seconds }: { url: string; connections: number; seconds: number }): Promise<{ commitsPerS: number; connections: number }> {
  const sql = postgres(url, { max: connections, onnotice: () => {} });
  try {
    await sql`CREATE TABLE IF NOT EXISTS bench_ceiling (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`;
    let commits = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) {
          await sql`INSERT INTO bench_ceiling DEFAULT VALUES`;
          commits++;
        }
      }),
    );
    return { commitsPerS: Math.round((commits / (performance.now() - started)) * 1000), connections };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

type EngineRun = { orders: number; ms: number; perS: number; audit: SaleAudit };

/** Inserts `userIds.length` pending orders for a new sale of `stock` units; with `withJobs`, their
 * allocation jobs in the same transaction (one batch insert), as admission would have. */
async function queueOrders({ url, userIds, stock, withJobs }: { url: string; userIds: string[]; stock: number; withJobs: boolean }) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const boss = new PgBoss({ connectionString: url, max: 1, migrate: false, supervise: false, schedule: false });
  boss.on("error", () => {});
  try {
    const saleId = await createLiveSale({ sql, name: "Bench engine", stock });
    const ids = userIds.map(() => randomUUID());
    if (withJobs) await boss.start();
    const db = drizzle(sql);
    await db.transaction(async (tx) => {
      const inserted = await tx.execute<{ id: string; seq: string }>(
        dsql`INSERT INTO orders (id, sale_id, user_id) SELECT unnest(${arrayLiteral(ids)}::uuid[]), ${saleId}, unnest(${arrayLiteral(userIds)}::uuid[]) RETURNING id, seq`,
      );
      if (withJobs) {
        const jobs = [...inserted].map((r) => ({ data: { orderId: r.id, saleId, seq: Number(r.seq) } satisfies PlaceOrderJob }));
        await boss.insert(PLACE_ORDER, jobs, { db: fromDrizzle(tx, dsql) });
      }
    });
    return { saleId, ids, startedAt: performance.now() };
  } finally {
    if (withJobs) await boss.stop({ graceful: false, close: true }).catch(() => {});
    await sql.end({ timeout: 5 });
  }
}

/** Our engine: the running worker(s) drain a queue of `userIds.length` orders; timed from the commit
 * that queued them to the last one final. */
export async function ourEngine({ url, userIds, stock, timeoutMs }: { url: string; userIds: string[]; stock: number; timeoutMs: number }): Promise<EngineRun> {
  const { saleId, startedAt } = await queueOrders({ url, userIds, stock, withJobs: true });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    while ((await pendingOrders({ sql, saleId })) > 0) {
      if (performance.now() - startedAt > timeoutMs) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const ms = performance.now() - startedAt;
    const audit = await auditSale({ sql, saleId });
    return { orders: userIds.length, ms, perS: Math.round((userIds.length / ms) * 1000), audit };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The baseline: one transaction per order (lock the sale's row, decrement, settle the order), over
 * `connections` connections. */
export async function baselineEngine({ url, userIds, stock, connections, timeoutMs }: { url: string; userIds: string[]; stock: number; connections: number; timeoutMs: number }): Promise<EngineRun> {
  const { saleId, ids } = await queueOrders({ url, userIds, stock, withJobs: false });
  // A statement stuck on a lock fails rather than holding the run; orders left pending fail its audit.
  const sql = postgres(url, { max: connections, onnotice: () => {}, connection: { statement_timeout: 30_000 } });
  try {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < ids.length && performance.now() - started < timeoutMs) {
          const orderId = ids[next++]!;
          await sql.begin(async (tx) => {
            const [sale] = await tx`SELECT remaining FROM sales WHERE id = ${saleId} FOR UPDATE`;
            if (sale!.remaining > 0) {
              await tx`UPDATE sales SET remaining = remaining - 1 WHERE id = ${saleId}`;
              await tx`UPDATE orders SET status = 'completed', updated_at = now() WHERE id = ${orderId}`;
            } else {
              await tx`UPDATE orders SET status = 'failed', failure_reason = 'sold_out', updated_at = now() WHERE id = ${orderId}`;
            }
          });
        }
      }),
    );
    const ms = performance.now() - started;
    const audit = await auditSale({ sql, saleId });
    return { orders: ids.length, ms, perS: Math.round((ids.length / ms) * 1000), audit };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
