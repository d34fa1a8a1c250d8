import type { Job } from "pg-boss";
import { allocateOrders } from "@/db/allocation";
import { log } from "@/db/log";
import { PLACE_ORDER, type PlaceOrderJob } from "./queues";

export const name = PLACE_ORDER;

// Large batches turn thousands of orders into a handful of transactions; burst mode keeps fetching
// while batches come back full, and NOTIFY wakes the worker when the queue was empty.
export const workOptions = {
  batchSize: Number(process.env.WORKER_BATCH_SIZE) || 200,
  burstWhenBatchFull: true,
  pollingIntervalSeconds: 0.5,
  notifyPollingIntervalSeconds: 5,
} as const;

/** Allocates one fetched batch. Throwing fails the whole batch, which pg-boss retries with backoff. */
export async function handler(jobs: Job<PlaceOrderJob>[]): Promise<void> {
  const started = performance.now();
  const result = await allocateOrders(jobs.map((job) => job.data.orderId));
  log.debug({ jobs: jobs.length, ...result, ms: Math.round(performance.now() - started) }, "allocated batch");
}
