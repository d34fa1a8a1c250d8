import type postgres from "postgres";
import { signToken } from "@/app/_lib/cookies";
import { SESSION_COOKIE } from "@/app/_lib/session";

// The benchmark's own data: shoppers signed in by cookie (no 10,000 HTTP sign-ins), sales, and the
// checks of what a run left in the database.

export type Shopper = { id: string; cookie: string };

/** `count` new users, each with a session cookie signed with the server's secret. */
export async function createShoppers({ sql, count, secret }: { sql: postgres.Sql; count: number; secret: string }): Promise<Shopper[]> {
  const rows = await sql<{ id: string }[]>`
    INSERT INTO users (email) SELECT 'bench-' || g || '-' || md5(random()::text) || '@example.com' FROM generate_series(1, ${count}::int) g
    RETURNING id`;
  return rows.map(({ id }) => ({ id, cookie: `${SESSION_COOKIE}=${signToken(secret, [id], 24 * 3600)}` }));
}

/** A sale that is live now, for `hours`. */
export async function createLiveSale({ sql, name, stock, hours = 2 }: { sql: postgres.Sql; name: string; stock: number; hours?: number }): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO sales (name, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
    VALUES (${name}, 1000, 2000, ${stock}, ${stock}, now() - interval '1 minute', now() + make_interval(hours => ${hours}))
    RETURNING id`;
  return row!.id;
}

/** Jobs of the order queue not yet taken by a worker. */
export async function queueDepth({ sql }: { sql: postgres.Sql }): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'place-order' AND state IN ('created', 'retry')`;
  return row!.n;
}

export async function pendingOrders({ sql, saleId }: { sql: postgres.Sql; saleId: string }): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders WHERE sale_id = ${saleId} AND status = 'pending'`;
  return row!.n;
}

export type SaleAudit = {
  stock: number;
  remaining: number;
  orders: number;
  completed: number;
  failed: number;
  pending: number;
  /** Orders of the same shopper beyond their first (the UNIQUE constraint should make this 0). */
  duplicateOrders: number;
  /** Orders completed with a later place in line (`seq`) than an order of the sale refused as sold out. */
  outOfLine: number;
  isInvariantHeld: boolean;
  /** Epoch ms of the first order accepted. */
  firstAcceptedAt: number | null;
  /** Epoch ms of the last order to reach a final state. */
  lastFinalAt: number | null;
};

/** What a sale looks like after a run: stock conservation, states, duplicates, the line kept. */
export async function auditSale({ sql, saleId }: { sql: postgres.Sql; saleId: string }): Promise<SaleAudit> {
  const [row] = await sql`
    WITH first_refused AS (SELECT min(seq) AS seq FROM orders WHERE sale_id = ${saleId} AND status = 'failed' AND failure_reason = 'sold_out')
    SELECT s.stock, s.remaining,
      count(o.id)::int AS orders,
      count(o.id) FILTER (WHERE o.status IN ('completed', 'shipped'))::int AS completed,
      count(o.id) FILTER (WHERE o.status = 'failed')::int AS failed,
      count(o.id) FILTER (WHERE o.status = 'pending')::int AS pending,
      (count(o.id) - count(DISTINCT o.user_id))::int AS duplicate_orders,
      count(o.id) FILTER (WHERE o.status IN ('completed', 'shipped') AND o.seq > (SELECT seq FROM first_refused))::int AS out_of_line,
      (extract(epoch FROM min(o.created_at)) * 1000)::float8 AS first_accepted_at,
      (extract(epoch FROM max(o.updated_at) FILTER (WHERE o.status <> 'pending')) * 1000)::float8 AS last_final_at
    FROM sales s LEFT JOIN orders o ON o.sale_id = s.id
    WHERE s.id = ${saleId}
    GROUP BY s.id`;
  if (!row) throw new Error(`no sale ${saleId}`);
  return {
    stock: row.stock,
    remaining: row.remaining,
    orders: row.orders,
    completed: row.completed,
    failed: row.failed,
    pending: row.pending,
    duplicateOrders: row.duplicate_orders,
    outOfLine: row.out_of_line,
    isInvariantHeld: row.stock === row.remaining + row.completed,
    firstAcceptedAt: row.first_accepted_at,
    lastFinalAt: row.last_final_at,
  };
}

/**
 * Final-state time (epoch ms) of each given order: its `updated_at`, which the allocation sets to
 * `now()`, the start of its transaction. So a final time is early by that transaction's run and
 * commit (a few milliseconds for a batch), and "202 → final" reads that much short.
 */
export async function finalTimes({ sql, orderIds }: { sql: postgres.Sql; orderIds: string[] }): Promise<Map<string, number>> {
  const rows = await sql<{ id: string; at: number }[]>`
    SELECT id, (extract(epoch FROM updated_at) * 1000)::float8 AS at FROM orders
    WHERE id = ANY(${orderIds}::uuid[]) AND status <> 'pending'`;
  return new Map(rows.map((r) => [r.id, r.at]));
}

/** The statements that took the most database time (planning and executing), when pg_stat_statements is loaded. */
export async function topStatements({ sql, limit = 12 }: { sql: postgres.Sql; limit?: number }) {
  return sql`
    SELECT calls::int, plans::int, round((total_plan_time + total_exec_time)::numeric, 1)::float8 AS total_ms,
           round(mean_plan_time::numeric, 3)::float8 AS mean_plan_ms, round(mean_exec_time::numeric, 3)::float8 AS mean_ms,
           left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
    FROM pg_stat_statements ORDER BY total_plan_time + total_exec_time DESC LIMIT ${limit}`;
}

/** WAL writes flushed to disk (fsync) since the last reset of the I/O statistics, and the time they took. */
export async function walFlushes({ sql }: { sql: postgres.Sql }): Promise<{ fsyncs: number; fsyncMs: number }> {
  const [row] = await sql<{ fsyncs: number; fsync_ms: number }[]>`
    SELECT coalesce(sum(fsyncs), 0)::int AS fsyncs, coalesce(sum(fsync_time), 0)::float8 AS fsync_ms FROM pg_stat_io WHERE object = 'wal'`;
  return { fsyncs: row?.fsyncs ?? 0, fsyncMs: Math.round(row?.fsync_ms ?? 0) };
}
