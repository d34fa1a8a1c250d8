import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { getDb } from "./client";
import { orders } from "./schema";

/** `skipped`: orders already final (a redelivery). `missing`: ids with no order at all. */
export type AllocationResult = { completed: number; failed: number; skipped: number; missing: string[] };

/**
 * Allocates stock to a batch of orders in ONE transaction. Only orders still `pending` are locked
 * and settled, so a redelivered job finds nothing to do. Per sale, `remaining` drops by
 * min(k, remaining) in a single conditional UPDATE on the locked row, and that many orders, oldest
 * first, are completed; the rest fail as sold out. The decrement comes from the rows moved here,
 * never from a job count, so a crash after commit and before the job is marked done is harmless.
 */
export async function allocateOrders(orderIds: string[]): Promise<AllocationResult> {
  const ids = [...new Set(orderIds)];
  if (ids.length === 0) return { completed: 0, failed: 0, skipped: 0, missing: [] };

  return getDb().transaction(async (tx) => {
    const locked = await tx
      .select({ id: orders.id, saleId: orders.saleId })
      .from(orders)
      .where(and(inArray(orders.id, ids), eq(orders.status, "pending")))
      .orderBy(asc(orders.seq))
      .for("update");
    // Ids that are not pending are either final already or do not exist; only the latter is a fault.
    let missing: string[] = [];
    if (locked.length < ids.length) {
      const lockedIds = new Set(locked.map((row) => row.id));
      const unlocked = ids.filter((id) => !lockedIds.has(id));
      const found = await tx.select({ id: orders.id }).from(orders).where(inArray(orders.id, unlocked));
      const foundIds = new Set(found.map((row) => row.id));
      missing = unlocked.filter((id) => !foundIds.has(id));
    }

    const bySale = new Map<string, string[]>();
    for (const row of locked) {
      const line = bySale.get(row.saleId);
      if (line) line.push(row.id);
      else bySale.set(row.saleId, [row.id]);
    }

    let completed = 0;
    let failed = 0;
    // Sales in a fixed order, so two workers never wait on each other's sale rows in a cycle.
    for (const saleId of [...bySale.keys()].sort()) {
      const line = bySale.get(saleId)!;
      // FOR NO KEY UPDATE, not FOR UPDATE: admission's order inserts hold KEY SHARE on the sale's row
      // (their foreign key), and FOR UPDATE would queue behind every one of them and stall new ones.
      const rows = await tx.execute<{ taken: number }>(sql`
        WITH current AS (SELECT id, remaining FROM sales WHERE id = ${saleId} FOR NO KEY UPDATE)
        UPDATE sales SET remaining = current.remaining - LEAST(${line.length}::int, current.remaining)
        FROM current WHERE sales.id = current.id
        RETURNING LEAST(${line.length}::int, current.remaining) AS taken`);
      const taken = Number(rows[0]?.taken ?? 0);
      const winners = line.slice(0, taken);
      const losers = line.slice(taken);
      if (winners.length > 0) {
        await tx.update(orders).set({ status: "completed", failureReason: null, updatedAt: sql`now()` }).where(inArray(orders.id, winners));
      }
      if (losers.length > 0) {
        await tx.update(orders).set({ status: "failed", failureReason: "sold_out", updatedAt: sql`now()` }).where(inArray(orders.id, losers));
      }
      completed += winners.length;
      failed += losers.length;
    }
    return { completed, failed, skipped: ids.length - locked.length - missing.length, missing };
  });
}
