import { eq, sql } from "drizzle-orm";
import { webBoss } from "@/jobs/boss";
import { ORDER_STATUS, type OrderStatusJob } from "@/jobs/queues";
import { getDb, setLocalLockTimeout } from "./client";
import { isUuid } from "./ids";
import { orders, sales, type OrderRow } from "./schema";

export type AdminStatus = OrderStatusJob["status"];

/** A batch holds at most 20 changes (jobs/order-status.ts) and expires after 30 s (jobs/queues.ts). */
export const STATUS_CHANGE_LOCK_WAIT_MS = 1_000;

/** Why a status change cannot be applied: the job fails with this, is retried, then dead-lettered. */
export class StatusChangeRefused extends Error {
  constructor(
    readonly reason: "order_not_found" | "illegal_transition",
    message: string,
  ) {
    super(message);
    this.name = "StatusChangeRefused";
  }
}

/**
 * Sends the change as a job (the worker applies it) and answers with the job's id. The order's sale
 * is looked up only to label the job; an unknown order is still sent, and ends in the dead-letter
 * queue after its retries, where the admin can see it.
 */
export async function requestOrderStatusChange({ orderId, status }: { orderId: string; status: AdminStatus }): Promise<{ jobId: string }> {
  const [order] = await getDb().select({ saleId: orders.saleId }).from(orders).where(eq(orders.id, orderId)).limit(1);
  const job: OrderStatusJob = { orderId, status, saleId: order?.saleId ?? null };
  const jobId = await (await webBoss()).send(ORDER_STATUS, job);
  if (!jobId) throw new Error("pg-boss did not create the status-change job");
  return { jobId };
}

/**
 * Applies one status change in one transaction. Only a completed order moves: to `shipped`, or to
 * `cancelled`, which gives its unit back to the sale's `remaining`. Asking for the status the order
 * already has changes nothing and succeeds, so a redelivered job is harmless. The order row is locked
 * before the sale row, the same order allocation takes them in.
 *
 * Each change waits at most STATUS_CHANGE_LOCK_WAIT_MS for a row another transaction holds: the
 * worker applies a batch's changes one after another, and a batch of changes all held (an operator's
 * transaction left open on their orders) must still be settled within the queue's expiry, or pg-boss
 * fails the whole batch, the changes already applied included, and runs them again beside the first.
 */
export async function applyOrderStatusChange({ orderId, status }: { orderId: string; status: AdminStatus }): Promise<{ changed: boolean; order: OrderRow }> {
  if (!isUuid(orderId)) throw new StatusChangeRefused("order_not_found", `There is no order ${orderId}.`);
  return getDb().transaction(async (tx) => {
    await tx.execute(sql.raw(setLocalLockTimeout(STATUS_CHANGE_LOCK_WAIT_MS)));
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for("update");
    if (!order) throw new StatusChangeRefused("order_not_found", `There is no order ${orderId}.`);
    if (order.status === status) return { changed: false, order };
    if (order.status !== "completed") {
      throw new StatusChangeRefused("illegal_transition", `Order ${orderId} is ${order.status}; only a completed order can become ${status}.`);
    }
    if (status === "cancelled") {
      await tx.update(sales).set({ remaining: sql`${sales.remaining} + 1` }).where(eq(sales.id, order.saleId));
    }
    const [updated] = await tx.update(orders).set({ status, updatedAt: sql`now()` }).where(eq(orders.id, orderId)).returning();
    return { changed: true, order: updated! };
  });
}
