import type { PgBoss } from "pg-boss";
import { findOrdersWithoutJob } from "@/db/lost-orders";
import { log } from "@/db/log";
import { PLACE_ORDER, type PlaceOrderJob } from "./queues";
import { lostOrdersRequeued } from "./worker-metrics";

// The safety net under "no accepted order is lost" (db/lost-orders.ts): about once a minute a worker
// looks for orders in line for five minutes or more without a job, and queues a new job for each. Five
// minutes is far past any order's normal wait (milliseconds) and its retries (about a minute), so an
// order whose job is merely slow is never touched. One worker looks at a time (an advisory lock, held
// for the look, not for the queuing after it); a job queued twice anyway is harmless: allocation is idempotent, and the second finds the order final.

const EVERY_MS = 60_000;
const OLDER_THAN_SECONDS = 300;
const BATCH = 1000;

/** One pass: queues a job for each order found, until none is left or `shouldStop`; answers how many. */
export async function requeueLostOrders(boss: PgBoss, { olderThanSeconds = OLDER_THAN_SECONDS, shouldStop = (): boolean => false } = {}): Promise<number> {
  let requeued = 0;
  while (!shouldStop()) {
    const lost = await findOrdersWithoutJob({ olderThanSeconds, limit: BATCH });
    if (!lost || lost.length === 0) break;
    await boss.insert(PLACE_ORDER, lost.map((data): { data: PlaceOrderJob } => ({ data })));
    requeued += lost.length;
    lostOrdersRequeued.inc(lost.length);
    log.warn({ count: lost.length, orderIds: lost.slice(0, 10).map((l) => l.orderId) }, "orders in line without a job: queued a new job for each");
    if (lost.length < BATCH) break;
  }
  return requeued;
}

/** Starts the periodic pass (the first a minute after start, spread a little between workers; never
 * two at once in this process); the returned function stops it, after the pass in hand, if any. */
export function startLostOrderSweep(boss: PgBoss): () => Promise<void> {
  let isStopped = false;
  let pass: Promise<unknown> | undefined;
  const timer = setInterval(
    () => {
      if (pass) return;
      pass = requeueLostOrders(boss, { shouldStop: () => isStopped })
        .catch((err) => log.error({ err }, "looking for orders without a job"))
        .finally(() => (pass = undefined));
    },
    EVERY_MS + Math.floor(Math.random() * 5000),
  );
  timer.unref();
  return async () => {
    isStopped = true;
    clearInterval(timer);
    await pass;
  };
}
