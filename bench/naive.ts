import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { orders, sales } from "@/db/schema";

export type NaiveCheckout = { outcome: "created" | "repeat" | "sold_out" | "sale_not_found"; orderId?: string };

/**
 * The design's starting point, kept only as the benchmark's baseline: inside the request, lock the
 * sale's row, insert the order and decrement stock, then answer. Every Buy of a sale queues on one
 * row lock for a whole transaction, which is what the app's queued admission avoids.
 */
export async function naiveCheckout({ saleId, userId }: { saleId: string; userId: string }): Promise<NaiveCheckout> {
  return getDb().transaction(async (tx) => {
    const [sale] = await tx.select({ remaining: sales.remaining }).from(sales).where(eq(sales.id, saleId)).for("update");
    if (!sale) return { outcome: "sale_not_found" };
    if (sale.remaining <= 0) return { outcome: "sold_out" };
    const [order] = await tx
      .insert(orders)
      .values({ id: randomUUID(), saleId, userId, status: "completed" })
      .onConflictDoNothing({ target: [orders.saleId, orders.userId] })
      .returning({ id: orders.id });
    if (!order) return { outcome: "repeat" };
    await tx.update(sales).set({ remaining: sql`${sales.remaining} - 1` }).where(eq(sales.id, saleId));
    return { outcome: "created", orderId: order.id };
  });
}
