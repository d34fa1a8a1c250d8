import type { PgBoss } from "pg-boss";
import { findOrdersWithoutJob } from "@/db/lost-orders";
import { log } from "@/db/log";
import { PLACE_ORDER, type PlaceOrderJob } from "./queues";
import { lostOrdersRequeued } from "./worker-metrics";

// The safety net under "no accepted order is lost" (db/lost-orders.ts): every worker looks, about once a
// minute, for orders in line for five minutes or more without a job, and queues a new job for each.
// Five minutes is far past any order's normal wait (milliseconds) and its retries (about a minute), so
// an order whose job is merely slow is never touched. Two workers queueing the same order is harmless:
// allocation is idempotent, and the second job finds the order final.

const EVERY_MS = 60_000;
const OLDER_THAN_SECONDS = 300;
const BATCH = 1000;

/** One pass: queues a job for each order found; answers how many. */
export async function requeueLostOrders(boss: PgBoss, options = { olderThanSeconds: OLDER_THAN_SECONDS }): Promise<number> {
  let requeued = 0;
  for (;;) {
    const lost = await findOrdersWithoutJob({ olderThanSeconds: options.olderThanSeconds, limit: BATCH });
    if (lost.length === 0) break;
    await boss.insert(PLACE_ORDER, lost.map((data): { data: PlaceOrderJob } => ({ data })));
    requeued += lost.length;
    lostOrdersRequeued.inc(lost.length);
    log.warn({ count: lost.length, orderIds: lost.slice(0, 10).map((l) => l.orderId) }, "orders in line without a job: queued a new job for each");
    if (lost.length < BATCH) break;
  }
  return requeued;
}

/** Starts the periodic pass (first one a minute after start, spread a little between workers); the returned function stops it. */
export function startLostOrderSweep(boss: PgBoss): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      running = requeueLostOrders(boss).catch((err) => log.error({ err }, "looking for orders without a job"));
    },
    EVERY_MS + Math.floor(Math.random() * 5000),
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
