import { getPool } from "./client";
import { arrayLiteral } from "./pg-array";

/**
 * `skipped`: orders already final (a redelivery). `missing`: ids with no order at all. `held`: orders
 * still pending that another transaction had locked, left as they were (only with `skipLocked`).
 */
export type AllocationResult = { completed: number; failed: number; skipped: number; missing: string[]; held: string[] };

// The whole allocation of a batch is ONE statement, which Postgres commits atomically on its own:
// one round trip and one plan, whatever the batch size (the ids go as one array parameter).
//
// - `locked`: the batch's orders still pending, locked oldest first. A redelivered job finds its
//   order final and skips it; an order another worker is settling is waited for, then re-checked.
// - `current`: each sale's row, locked FOR NO KEY UPDATE in id order (so two workers never wait on
//   each other's sale rows in a cycle), reading the latest `remaining`. FOR NO KEY UPDATE, not FOR
//   UPDATE: admission's order inserts hold KEY SHARE on the sale's row (their foreign key), and FOR
//   UPDATE would queue behind every one of them and stall new ones.
// - `taken`: per sale, `remaining` drops by min(k, remaining) for the k orders locked here. The
//   decrement comes from the rows moved here, never from a job count, so a crash after commit and
//   before the job is marked done is harmless.
// - `settled`: that many orders of each sale, oldest first, are completed; the rest fail as sold out.
//
// With `skipLocked` (jobs/place-order.ts, after a batch gave up waiting for a lock), `locked` skips
// orders another transaction holds instead of waiting for them, and `held` names those still pending.
const allocateStatement = (skipLocked: boolean) => `
  WITH locked AS (
    SELECT id, sale_id, seq FROM orders
    WHERE id = ANY($1::uuid[]) AND status = 'pending'
    ORDER BY seq
    FOR UPDATE${skipLocked ? " SKIP LOCKED" : ""}
  ),
  demand AS (SELECT sale_id, count(*)::int AS k FROM locked GROUP BY sale_id),
  current AS (
    SELECT s.id, s.remaining, d.k FROM sales s JOIN demand d ON d.sale_id = s.id
    ORDER BY s.id
    FOR NO KEY UPDATE OF s
  ),
  taken AS (
    UPDATE sales SET remaining = current.remaining - LEAST(current.k, current.remaining)
    FROM current WHERE sales.id = current.id
    RETURNING sales.id AS sale_id, LEAST(current.k, current.remaining) AS n
  ),
  ranked AS (
    SELECT l.id, row_number() OVER (PARTITION BY l.sale_id ORDER BY l.seq) <= t.n AS wins
    FROM locked l JOIN taken t USING (sale_id)
  ),
  settled AS (
    UPDATE orders SET
      status = CASE WHEN ranked.wins THEN 'completed' ELSE 'failed' END::order_status,
      failure_reason = CASE WHEN ranked.wins THEN NULL ELSE 'sold_out' END,
      updated_at = now()
    FROM ranked WHERE orders.id = ranked.id
    RETURNING ranked.wins
  )
  SELECT
    (SELECT count(*) FILTER (WHERE wins) FROM settled)::int AS completed,
    (SELECT count(*) FILTER (WHERE NOT wins) FROM settled)::int AS failed,
    (SELECT coalesce(array_agg(w.id::text), '{}') FROM unnest($1::uuid[]) AS w(id)
      WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = w.id)) AS missing${
  skipLocked
    ? `,
    (SELECT coalesce(array_agg(o.id::text), '{}') FROM orders o
      WHERE o.id = ANY($1::uuid[]) AND o.status = 'pending' AND NOT EXISTS (SELECT 1 FROM locked l WHERE l.id = o.id)) AS held`
    : ""
}`;

const ALLOCATE = allocateStatement(false);
const ALLOCATE_SKIP_LOCKED = allocateStatement(true);

/**
 * Allocates stock to a batch of orders in ONE statement. Only orders still `pending` are locked
 * and settled, so a redelivered job finds nothing to do. Per sale, `remaining` drops by
 * min(k, remaining) on the locked sale row, and that many orders, oldest first, are completed; the
 * rest fail as sold out. With `skipLocked`, orders another transaction holds are left pending
 * (`held`) rather than waited for; the sale's row is always waited for.
 */
export async function allocateOrders(orderIds: string[], { skipLocked = false }: { skipLocked?: boolean } = {}): Promise<AllocationResult> {
  const ids = [...new Set(orderIds)];
  if (ids.length === 0) return { completed: 0, failed: 0, skipped: 0, missing: [], held: [] };
  const statement = skipLocked ? ALLOCATE_SKIP_LOCKED : ALLOCATE;
  const [row] = await getPool().sql.unsafe<{ completed: number; failed: number; missing: string[]; held?: string[] }[]>(statement, [arrayLiteral(ids)], { prepare: true });
  const { completed, failed, missing, held = [] } = row!;
  return { completed, failed, skipped: ids.length - completed - failed - missing.length - held.length, missing, held };
}

/**
 * Whether another transaction holds the sale's row against an allocation right now (an operator's
 * session that updated it, say), without waiting: for a sale whose allocation gave up on its row lately.
 */
export async function isSaleRowTaken(saleId: string): Promise<boolean> {
  const rows = await getPool().sql`SELECT id FROM sales WHERE id = ${saleId} FOR NO KEY UPDATE SKIP LOCKED`;
  return rows.length === 0;
}
