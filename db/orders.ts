import { randomUUID } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import { fromDrizzle } from "pg-boss";
import { webBoss } from "@/jobs/boss";
import { PLACE_ORDER, type PlaceOrderJob } from "@/jobs/queues";
import { getDb } from "./client";
import { AppError } from "./errors";
import { isUuid } from "./ids";
import { getSaleCached } from "./sales";
import { orders, type OrderRow } from "./schema";

export type Order = {
  id: string;
  saleId: string;
  status: OrderRow["status"];
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  position: number | null;
};

type OrderWithPosition = OrderRow & { position: number | null };

export function toOrder(row: OrderWithPosition): Order {
  return {
    id: row.id,
    saleId: row.saleId,
    status: row.status,
    failureReason: row.failureReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    position: row.status === "pending" ? Number(row.position ?? 0) : null,
  };
}

// Orders ahead in the same sale's line: a range count over the partial index of pending orders,
// so its cost is the length of the line ahead, never the size of the sale. The outer row is named
// with its table so the subquery cannot confuse it with its own alias.
const positionInLine = sql<number | null>`CASE WHEN "orders"."status" = 'pending' THEN (
  SELECT count(*)::int FROM "orders" AS ahead
  WHERE ahead.sale_id = "orders"."sale_id" AND ahead.status = 'pending' AND ahead.seq < "orders"."seq"
) END`;

export type PlaceOrderResult = { order: Order; isNew: boolean };

/**
 * Admits a Buy: checks the sale (from the one-second cache), then in ONE transaction inserts the
 * pending order and sends its allocation job, so an order exists if and only if its job does.
 * A repeat from the same shopper returns the order they already have.
 */
export async function placeOrder(input: { saleId: string; userId: string; idempotencyKey?: string | null; now?: number }): Promise<PlaceOrderResult> {
  const now = input.now ?? Date.now();
  const sale = await getSaleCached({ id: input.saleId }, now);
  if (!sale) throw new AppError("sale_not_found", "There is no sale with this id.");
  if (now < sale.startsAt.getTime()) {
    throw new AppError("sale_not_started", `This sale starts at ${sale.startsAt.toISOString()}.`);
  }
  if (now >= sale.endsAt.getTime()) throw new AppError("sale_ended", "This sale has ended.");
  // Sold-out fast path: once no unit is left, a Buy costs no write at all.
  if (sale.remaining <= 0) throw new AppError("sold_out", "Every unit of this sale has been sold.");

  const boss = await webBoss();
  const id = randomUUID();
  return getDb().transaction(async (tx) => {
    const [inserted] = await tx
      .insert(orders)
      .values({ id, saleId: sale.id, userId: input.userId, idempotencyKey: input.idempotencyKey ?? null })
      .onConflictDoNothing({ target: [orders.saleId, orders.userId] })
      .returning();
    if (inserted) {
      const job: PlaceOrderJob = { orderId: id, saleId: sale.id };
      await boss.send(PLACE_ORDER, job, { db: fromDrizzle(tx, sql) });
      const [{ position } = { position: 0 }] = await tx
        .select({ position: positionInLine })
        .from(orders)
        .where(eq(orders.id, id));
      return { order: toOrder({ ...inserted, position }), isNew: true };
    }
    const [existing] = await tx
      .select({ order: orders, position: positionInLine })
      .from(orders)
      .where(and(eq(orders.saleId, sale.id), eq(orders.userId, input.userId)))
      .limit(1);
    if (!existing) throw new Error("order conflict without an existing order");
    return { order: toOrder({ ...existing.order, position: existing.position }), isNew: false };
  });
}

/** One shopper's order; anyone else's, or an unknown or malformed id, is not found. */
export async function getOrderForUser({ orderId, userId }: { orderId: string; userId: string }): Promise<Order | undefined> {
  if (!isUuid(orderId)) return undefined;
  const [row] = await getDb()
    .select({ order: orders, position: positionInLine })
    .from(orders)
    .where(and(eq(orders.id, orderId), eq(orders.userId, userId)))
    .limit(1);
  return row ? toOrder({ ...row.order, position: row.position }) : undefined;
}

/** A shopper's orders, newest first; optionally only the one in a given sale. */
export async function listOrdersForUser({ userId, saleId, limit = 100 }: { userId: string; saleId?: string; limit?: number }): Promise<Order[]> {
  if (saleId !== undefined && !isUuid(saleId)) return [];
  const rows = await getDb()
    .select({ order: orders, position: positionInLine })
    .from(orders)
    .where(saleId ? and(eq(orders.userId, userId), eq(orders.saleId, saleId)) : eq(orders.userId, userId))
    .orderBy(desc(orders.createdAt))
    .limit(limit);
  return rows.map((r) => toOrder({ ...r.order, position: r.position }));
}
