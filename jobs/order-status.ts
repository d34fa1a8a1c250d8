import type { Job, JobResult, JobWithMetadata } from "pg-boss";
import { z } from "zod";
import { applyOrderStatusChange, StatusChangeRefused } from "@/db/admin-orders";
import { log } from "@/db/log";
import { isLockTimeout, withTransientRetry } from "@/db/retry";
import { LOCK_TIMEOUT_REASON, lockTimeoutMessage, logJobFailure, orderIdOf } from "./job-failures";
import { ADMIN_STATUSES, ORDER_STATUS, type OrderStatusJob } from "./queues";
import { statusChanges } from "./worker-metrics";

const payload: z.ZodType<OrderStatusJob> = z.object({ orderId: z.uuid(), status: z.enum(ADMIN_STATUSES), saleId: z.uuid().nullable() });
const MALFORMED_MESSAGE = "The job's data is not an order-status payload (an order id, a status and a sale id).";

export const name = ORDER_STATUS;

// Admin changes are rare: small batches, each job settled on its own so one refused change does not
// send its neighbours back for a retry. NOTIFY wakes the worker for a new change, but a retry falling
// due sends none, so the idle poll is what keeps the backoff near its 1, 2, 4 seconds.
export const workOptions = {
  batchSize: 20,
  perJobResults: true,
  // Each job's retry limit, so a failure's log line says which attempt it was of how many.
  includeMetadata: true,
  pollingIntervalSeconds: 1,
  notifyPollingIntervalSeconds: 1,
} as const;

/**
 * Applies each change in its own transaction, run again at once on a deadlock, a serialization failure
 * or a dropped connection. A refused change (unknown order, illegal move) fails its job with the
 * reason, so pg-boss retries it with backoff and then moves it to the dead letters; a payload that is
 * not a status change goes to the dead letters at once, as no retry can mend it.
 */
export async function handler(jobs: Job<unknown>[]): Promise<JobResult[]> {
  const results: JobResult[] = [];
  for (const job of jobs) {
    const retryLimit = (job as Partial<JobWithMetadata>).retryLimit;
    const attempt = { queue: ORDER_STATUS, jobId: job.id, retryCount: job.retryCount, retryLimit };
    const parsed = payload.safeParse(job.data);
    if (!parsed.success) {
      logJobFailure({ ...attempt, orderId: orderIdOf(job.data), reason: "malformed", message: MALFORMED_MESSAGE, deadLetterNow: true });
      statusChanges.inc({ outcome: "refused" });
      results.push({ id: job.id, status: "deadletter", output: { reason: "malformed", message: MALFORMED_MESSAGE, data: job.data } });
      continue;
    }
    const change = parsed.data;
    try {
      const { changed, order } = await withTransientRetry("status change", () => applyOrderStatusChange(change));
      log.info({ orderId: order.id, status: order.status, changed }, "order status change applied");
      statusChanges.inc({ outcome: "applied" });
      results.push({ id: job.id, status: "completed", output: { changed } });
    } catch (err) {
      if (err instanceof StatusChangeRefused) {
        logJobFailure({ ...attempt, orderId: change.orderId, details: { status: change.status }, reason: err.reason, message: err.message });
        statusChanges.inc({ outcome: "refused" });
        results.push({ id: job.id, status: "failed", output: { reason: err.reason, message: err.message } });
      } else if (isLockTimeout(err)) {
        // Not a fault of the app's: the order or its sale's row is held elsewhere; retried with backoff.
        const message = lockTimeoutMessage("the order or its sale's row");
        logJobFailure({ ...attempt, orderId: change.orderId, details: { status: change.status }, reason: LOCK_TIMEOUT_REASON, message });
        statusChanges.inc({ outcome: "error" });
        results.push({ id: job.id, status: "failed", output: { reason: LOCK_TIMEOUT_REASON, message } });
      } else {
        log.error({ err, jobId: job.id, orderId: change.orderId }, "order status change failed");
        logJobFailure({ ...attempt, orderId: change.orderId, details: { status: change.status }, reason: "error", message: "the change could not be applied (the error is logged above)" });
        statusChanges.inc({ outcome: "error" });
        results.push({ id: job.id, status: "failed", output: { reason: "error", message: "The change could not be applied (see the worker log)." } });
      }
    }
  }
  return results;
}
