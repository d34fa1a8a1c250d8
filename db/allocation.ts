import { getPool, setLocalLockTimeout } from "./client";
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
const ALLOCATE = `
  WITH locked AS (
    SELECT id, sale_id, seq FROM orders
    WHERE id = ANY($1::uuid[]) AND status = 'pending'
    ORDER BY seq
    FOR UPDATE
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
      WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = w.id)) AS missing`;

// The same, for a batch whose statement gave up on a lock (jobs/place-order.ts): orders another
// transaction holds are skipped rather than waited for (`held`: still pending, their jobs retried),
// and keep their places in line. Each sale's locked and held orders are ranked together by arrival;
// locked ones within `remaining` of the front are completed, the units of held ones among them stay in
// `remaining` for their next attempt, and the locked ones behind fail as sold out.
// It runs after LOCK_SALES, in the same transaction, so with a snapshot taken once the sale rows are
// this transaction's: an order held by another worker that has already taken its unit (which needs the
// sale's row) shows as completed, not held, and no unit is kept back for it a second time.
const LOCK_SALES = `
  SELECT 1 FROM sales
  WHERE id IN (SELECT sale_id FROM orders WHERE id = ANY($1::uuid[]) AND status = 'pending')
  ORDER BY id
  FOR NO KEY UPDATE`;
const ALLOCATE_SKIP_LOCKED = `
  WITH locked AS (
    SELECT id, sale_id, seq FROM orders
    WHERE id = ANY($1::uuid[]) AND status = 'pending'
    ORDER BY seq
    FOR UPDATE SKIP LOCKED
  ),
  held AS (
    SELECT o.id, o.sale_id, o.seq FROM orders o
    WHERE o.id = ANY($1::uuid[]) AND o.status = 'pending' AND NOT EXISTS (SELECT 1 FROM locked l WHERE l.id = o.id)
  ),
  current AS (
    SELECT s.id, s.remaining FROM sales s WHERE s.id IN (SELECT sale_id FROM locked)
    ORDER BY s.id
    FOR NO KEY UPDATE OF s
  ),
  ranked AS (
    SELECT x.id, x.is_locked, row_number() OVER (PARTITION BY x.sale_id ORDER BY x.seq) <= c.remaining AS wins, x.sale_id
    FROM (SELECT id, sale_id, seq, true AS is_locked FROM locked UNION ALL SELECT id, sale_id, seq, false FROM held) AS x
    JOIN current c ON c.id = x.sale_id
  ),
  taken AS (
    UPDATE sales SET remaining = c.remaining - w.n
    FROM current c JOIN (SELECT sale_id, count(*)::int AS n FROM ranked WHERE is_locked AND wins GROUP BY sale_id) AS w ON w.sale_id = c.id
    WHERE sales.id = c.id
    RETURNING sales.id
  ),
  settled AS (
    UPDATE orders SET
      status = CASE WHEN ranked.wins THEN 'completed' ELSE 'failed' END::order_status,
      failure_reason = CASE WHEN ranked.wins THEN NULL ELSE 'sold_out' END,
      updated_at = now()
    FROM ranked WHERE orders.id = ranked.id AND ranked.is_locked
    RETURNING ranked.wins
  )
  SELECT
    (SELECT count(*) FILTER (WHERE wins) FROM settled)::int AS completed,
    (SELECT count(*) FILTER (WHERE NOT wins) FROM settled)::int AS failed,
    (SELECT coalesce(array_agg(w.id::text), '{}') FROM unnest($1::uuid[]) AS w(id)
      WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = w.id)) AS missing,
    (SELECT coalesce(array_agg(id::text), '{}') FROM held) AS held`;

// In the skip-locked statement, how long a sale's row is waited for unless the caller says less:
// longer than a queue of other workers' allocations holds it (milliseconds each), shorter than the
// worker's lock timeout.
export const SKIP_LOCKED_SALE_WAIT_MS = 2_000;

/**
 * Allocates stock to a batch of orders in ONE statement. Only orders still `pending` are locked
 * and settled, so a redelivered job finds nothing to do. Per sale, `remaining` drops by
 * min(k, remaining) on the locked sale row, and that many orders, oldest first, are completed; the
 * rest fail as sold out. With `skipLocked`, orders another transaction holds are left pending
 * (`held`) rather than waited for, and a sale's row is waited for at most `saleWaitMs` (then it
 * throws a lock timeout).
 */
export async function allocateOrders(
  orderIds: string[],
  { skipLocked = false, saleWaitMs = SKIP_LOCKED_SALE_WAIT_MS }: { skipLocked?: boolean; saleWaitMs?: number } = {},
): Promise<AllocationResult> {
  const ids = [...new Set(orderIds)];
  if (ids.length === 0) return { completed: 0, failed: 0, skipped: 0, missing: [], held: [] };
  type Row = { completed: number; failed: number; missing: string[]; held?: string[] };
  const sql = getPool().sql;
  const [row] = skipLocked
    ? await sql.begin(async (tx) => {
        await tx.unsafe(setLocalLockTimeout(saleWaitMs));
        await tx.unsafe(LOCK_SALES, [arrayLiteral(ids)], { prepare: true });
        return tx.unsafe<Row[]>(ALLOCATE_SKIP_LOCKED, [arrayLiteral(ids)], { prepare: true });
      })
    : await sql.unsafe<Row[]>(ALLOCATE, [arrayLiteral(ids)], { prepare: true });
  const { completed, failed, missing, held = [] } = row!;
  return { completed, failed, skipped: ids.length - completed - failed - missing.length - held.length, missing, held };
}
