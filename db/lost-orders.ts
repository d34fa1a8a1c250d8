import { PLACE_ORDER, PLACE_ORDER_DEAD } from "@/jobs/queues";
import { getPool } from "./client";

// An accepted order is allocated through its job. Admission writes both in one statement, and a job
// ends only once its order is final or it waits as a dead letter, so an order in line without a job
// should never exist. But jobs live in pg-boss's tables, under pg-boss's retention: a queue left
// unworked past its retention, a hand-made delete, a restore that mixed two moments. Such an order
// would wait for ever, and keep its place in the sale's line. This finds them.

/**
 * Orders still pending `olderThanSeconds` after they were accepted that have no job waiting, retrying
 * or running in the allocation queue, and none in its dead-letter queue. Oldest first, at most `limit`.
 */
export async function findOrdersWithoutJob({ olderThanSeconds, limit }: { olderThanSeconds: number; limit: number }): Promise<{ orderId: string; saleId: string }[]> {
  const rows = await getPool().sql<{ id: string; sale_id: string }[]>`
    SELECT o.id, o.sale_id FROM orders o
    WHERE o.status = 'pending' AND o.created_at < now() - make_interval(secs => ${olderThanSeconds})
      AND NOT EXISTS (
        SELECT 1 FROM pgboss.job j
        WHERE j.name IN (${PLACE_ORDER}, ${PLACE_ORDER_DEAD}) AND j.state < 'completed' AND j.data->>'orderId' = o.id::text)
    ORDER BY o.created_at
    LIMIT ${limit}`;
  return rows.map((r) => ({ orderId: r.id, saleId: r.sale_id }));
}
