import { sql } from "drizzle-orm";

// An order's place in its sale's line: the pending orders of the same sale admitted before it, a range
// count over the partial index of pending orders (`orders_pending_line_idx`), so its cost is the length
// of the line ahead, never the size of the sale. Null once the order is final. The outer row is named
// by its table, `orders`, so the subquery's own alias cannot shadow it.
export const positionInLine = sql<number | null>`CASE WHEN "orders"."status" = 'pending' THEN (
  SELECT count(*)::int FROM "orders" AS ahead
  WHERE ahead.sale_id = "orders"."sale_id" AND ahead.status = 'pending' AND ahead.seq < "orders"."seq"
) END`;
