import type { Job, JobResult } from "pg-boss";
import { applyOrderStatusChange, StatusChangeRefused } from "@/db/admin-orders";
import { log } from "@/db/log";
import { ORDER_STATUS, type OrderStatusJob } from "./queues";
import { statusChanges } from "./worker-metrics";

export const name = ORDER_STATUS;

// Admin changes are rare: small batches, each job settled on its own so one refused change does not
// send its neighbours back for a retry. NOTIFY wakes the worker for a new change, but a retry falling
// due sends none, so the idle poll is what keeps the backoff near its 1, 2, 4 seconds.
export const workOptions = {
  batchSize: 20,
  perJobResults: true,
  pollingIntervalSeconds: 1,
  notifyPollingIntervalSeconds: 1,
} as const;

/**
 * Applies each change in its own transaction. A refused change (unknown order, illegal move) fails
 * its job with the reason, so pg-boss retries it with backoff and then moves it to the dead letters.
 */
export async function handler(jobs: Job<OrderStatusJob>[]): Promise<JobResult[]> {
  const results: JobResult[] = [];
  for (const job of jobs) {
    try {
      const { changed, order } = await applyOrderStatusChange(job.data);
      log.info({ orderId: order.id, status: order.status, changed }, "order status change applied");
      statusChanges.inc({ outcome: "applied" });
      results.push({ id: job.id, status: "completed", output: { changed } });
    } catch (err) {
      if (err instanceof StatusChangeRefused) {
        log.warn({ orderId: job.data.orderId, status: job.data.status, reason: err.reason, retry: job.retryCount }, err.message);
        statusChanges.inc({ outcome: "refused" });
        results.push({ id: job.id, status: "failed", output: { reason: err.reason, message: err.message } });
      } else {
        log.error({ err, orderId: job.data.orderId }, "order status change failed");
        statusChanges.inc({ outcome: "error" });
        results.push({ id: job.id, status: "failed", output: { reason: "error", message: "The change could not be applied (see the worker log)." } });
      }
    }
  }
  return results;
}
