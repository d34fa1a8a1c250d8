import { BOSS_SCHEMA } from "@/jobs/boss";
import { PLACE_ORDER, PLACE_ORDER_DEAD } from "@/jobs/queues";
import { getPool } from "./client";

// An accepted order is allocated through its job. Admission writes both in one statement, and a job
// ends only once its order is final or it waits as a dead letter, so an order in line without a job
// should never exist. But jobs live in pg-boss's tables, under pg-boss's retention: a queue left
// unworked past its retention, a hand-made delete, a restore that mixed two moments. Such an order
// would wait for ever, and keep its place in the sale's line. This finds them.

// One worker looks at a time: the others skip their pass while it holds this lock.
export const SWEEP_LOCK = 0x10570dd;

/**
 * Orders still pending `olderThanSeconds` after they were accepted with no job waiting or retrying in
 * the allocation queue and no dead letter. Oldest first, at most `limit`; null when another worker is
 * looking at this moment. An order whose only job is running right now counts as lost: a second job
 * for it is harmless (allocation is idempotent), and a job does not run for minutes.
 *
 * Cost: the pending orders older than the age (the partial index of pending orders; in practice those
 * whose allocation is a dead letter), each checked against the dead-letter queue and pg-boss's index of
 * waiting jobs, never the allocation queue's finished jobs.
 */
export async function findOrdersWithoutJob({ olderThanSeconds, limit }: { olderThanSeconds: number; limit: number }): Promise<{ orderId: string; saleId: string; seq: number }[] | null> {
  return getPool().sql.begin(async (tx) => {
    const [lock] = await tx<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK}) AS locked`;
    if (!lock?.locked) return null;
    const rows = await tx.unsafe<{ id: string; sale_id: string; seq: string }[]>(
      `WITH old AS MATERIALIZED (
         SELECT id, sale_id, seq, created_at FROM orders
         WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)
       ),
       dead AS MATERIALIZED (
         SELECT data->>'orderId' AS order_id FROM ${BOSS_SCHEMA}.job
         WHERE name = $2 AND state < 'active' AND EXISTS (SELECT 1 FROM old)
       )
       SELECT o.id, o.sale_id, o.seq FROM old o
       WHERE NOT EXISTS (SELECT 1 FROM dead d WHERE d.order_id = o.id::text)
         AND NOT EXISTS (
           SELECT 1 FROM ${BOSS_SCHEMA}.job j
           WHERE j.name = $3 AND j.state < 'active' AND NOT j.blocked AND j.data->>'orderId' = o.id::text)
       ORDER BY o.created_at
       LIMIT $4`,
      [olderThanSeconds, PLACE_ORDER_DEAD, PLACE_ORDER, limit],
    );
    return rows.map((r) => ({ orderId: r.id, saleId: r.sale_id, seq: Number(r.seq) }));
  });
}
