import type postgres from "postgres";

/** A sale's stock, what is left, and its orders by status, straight from Postgres. */
export async function saleCounts(sql: postgres.Sql, saleId: string) {
  const [row] = await sql`
    SELECT s.stock, s.remaining,
      count(o.*) FILTER (WHERE o.status = 'completed')::int AS completed,
      count(o.*) FILTER (WHERE o.status = 'failed' AND o.failure_reason = 'sold_out')::int AS sold_out,
      count(o.*) FILTER (WHERE o.status = 'pending')::int AS pending,
      count(o.*)::int AS orders,
      count(DISTINCT o.user_id)::int AS shoppers
    FROM sales s LEFT JOIN orders o ON o.sale_id = s.id
    WHERE s.id = ${saleId} GROUP BY s.id`;
  return row as { stock: number; remaining: number; completed: number; sold_out: number; pending: number; orders: number; shoppers: number };
}

/** How many of a sale's orders have their place-order job (an order exists iff its job does). */
export async function jobsForSale(sql: postgres.Sql, saleId: string): Promise<number> {
  const [row] = await sql`
    SELECT count(*)::int AS n FROM pgboss.job j JOIN orders o ON o.id::text = j.data->>'orderId'
    WHERE j.name = 'place-order' AND o.sale_id = ${saleId}`;
  return row!.n as number;
}
