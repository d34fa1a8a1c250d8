import { log } from "@/db/log";
import { deadLetterQueues } from "./queues";

// One warn line for each job the worker fails, so a job that ends in a dead-letter queue can be
// followed through the log: its id, its order, the reason, and which attempt this was of how many.
// The line of the last attempt says the job went to its dead-letter queue and where the admin finds it.

/**
 * The reason of a job whose work waited longer than the worker's lock timeout for a row another
 * transaction holds (one left open in an operator's session, say): failed, and retried with backoff.
 */
export const LOCK_TIMEOUT_REASON = "lock_timeout";

/** The message of such a failure: which rows. */
export const lockTimeoutMessage = (rows: string) => `${rows} stayed locked by another transaction (one left open, say)`;

/** Where the admin finds every dead letter, with Retry and Discard (the admin nav's *Dead letters*). */
export const DEAD_LETTERS_PAGE = "/admin/dead-letters";

export type JobFailure = {
  queue: string;
  jobId: string;
  /** The job's order, when its payload names one. */
  orderId?: string;
  reason: string;
  message: string;
  /** pg-boss's retry count of the attempt that failed (0 for the first). */
  retryCount: number;
  /** The job's retry limit, when known (a lookup may fail while the database is away). */
  retryLimit?: number;
  /** Dead-lettered whatever attempt this is (a payload no retry can mend). */
  deadLetterNow?: boolean;
  /** More of the job worth having on its line (the status a change asked for, say). */
  details?: Record<string, unknown>;
};

/** The order a job's payload names, if it names one (a malformed payload may not). */
export function orderIdOf(data: unknown): string | undefined {
  const orderId = (data as { orderId?: unknown } | null | undefined)?.orderId;
  return typeof orderId === "string" ? orderId : undefined;
}

/** The dead-letter queue fed by `queue`. */
function deadLetterOf(queue: string): string | undefined {
  return deadLetterQueues.find((d) => d.source === queue)?.name;
}

/** Whether pg-boss sends this failure to the dead-letter queue rather than back for a retry. */
export function isLastAttempt(failure: Pick<JobFailure, "retryCount" | "retryLimit" | "deadLetterNow">): boolean {
  return failure.deadLetterNow === true || (failure.retryLimit !== undefined && failure.retryCount >= failure.retryLimit);
}

/** Logs, at warn, one job the worker fails (see the top of this file). */
export function logJobFailure(failure: JobFailure): void {
  const message = failure.message.replace(/\.$/, "");
  const attempt = failure.retryCount + 1;
  const attempts = failure.retryLimit === undefined ? undefined : failure.retryLimit + 1;
  const of = attempts === undefined ? "" : ` of ${attempts}`;
  const fields = { queue: failure.queue, jobId: failure.jobId, orderId: failure.orderId, ...failure.details, reason: failure.reason, attempt, attempts };
  if (isLastAttempt(failure)) {
    const deadLetter = deadLetterOf(failure.queue);
    const why = failure.deadLetterNow ? `at once, as no retry can mend it (attempt ${attempt}${of})` : `after its last attempt (${attempt}${of})`;
    log.warn(
      { ...fields, deadLetter, deadLettered: true },
      `${failure.queue} job ${failure.jobId} dead-lettered ${why}: ${message}. It waits in ${deadLetter} for an admin: see the admin's Dead letters page (${DEAD_LETTERS_PAGE}) to retry or discard it`,
    );
  } else if (attempts === undefined) {
    log.warn({ ...fields }, `${failure.queue} job ${failure.jobId} failed (attempt ${attempt}; its retry limit could not be read), retried unless that was its last: ${message}`);
  } else {
    log.warn({ ...fields, deadLettered: false }, `${failure.queue} job ${failure.jobId} failed (attempt ${attempt}${of}), to be retried: ${message}`);
  }
}
