import type { Job, JobResult, PgBoss } from "pg-boss";
import { deadLetterJobsByIdWithOutputs } from "pg-boss/dist/plans.js";
import { z } from "zod";
import { type AllocationResult, allocateOrders, SKIP_LOCKED_SALE_WAIT_MS } from "@/db/allocation";
import { config } from "@/db/config";
import { log } from "@/db/log";
import { isLockTimeout, withTransientRetry } from "@/db/retry";
import { BOSS_SCHEMA, jobTable } from "./boss";
import { isLastAttempt, type JobFailure, LOCK_TIMEOUT_REASON, lockTimeoutMessage, logJobFailure, orderIdOf } from "./job-failures";
import { PLACE_ORDER, placeOrderQueue } from "./queues";
import { type BatchOrder, SaleTurns, type TurnHandle } from "./turns";
import { batchSeconds, jobsFailed, jobsProcessed, ordersSettled, recordBatch, recordLinger } from "./worker-metrics";

export const name = PLACE_ORDER;

// `seq`: the order's place in line, which orders this worker's batches (jobs/turns.ts); a job queued
// without it (by an earlier version) is allocated as if first.
const payload = z.object({ orderId: z.uuid(), saleId: z.uuid(), seq: z.number().int().nonnegative().optional() });

type ValidJob = { id: string; orderId: string; saleId: string; seq: number | undefined };

const heldMessage = lockTimeoutMessage("its order or its sale's row");
const MALFORMED_MESSAGE = "The job's data is not a place-order payload (an order id and a sale id).";

// Sales whose row this worker's statements gave up on lately, and until when that is remembered
// (longer than a held job's retries are apart, 30 s at most, so each finds its sale remembered): a
// batch with their orders goes sale by sale at once, theirs last, each statement waiting for a sale's
// row only briefly, so the other sales' orders are settled first and the batch is not held for the
// worker's whole lock timeout again.
const RECENTLY_HELD_MS = 40_000;
const recentlyHeld = new Map<string, number>();

// pg-boss fails a batch whose handler is still running when its jobs expire (the queue's
// expireInSeconds, jobs/queues.ts), the orders it has settled included, and runs it again beside the
// first: the batch's statements, sale by sale after one gave up on a lock, share the expiry less 5 s
// (for the fetch, the completion and a slot's linger), each sale's waiting for its row a share of what
// is left. A sale whose turn comes too late is failed for a retry, like a held one.
const ALLOCATION_BUDGET_MS = (placeOrderQueue.expireInSeconds - 5) * 1000;
const MIN_SALE_WAIT_MS = 200;

// A worker's batches of a sale allocate in the order of their places in line, each waiting at most
// this long for the ones ahead of it (jobs/turns.ts).
const ARRIVAL_WAIT_MS = 2_000;
const turns = new SaleTurns();

/**
 * The batch's allocation, in its turn (jobs/turns.ts), in one statement. That statement waits for
 * every order of the batch and every sale among them, and a batch mixes the orders of every live
 * sale: when it gives up on a lock (the worker's lock timeout, db/client.ts), or the batch holds a
 * sale held lately, each sale's orders are allocated in a statement of their own that skips orders
 * another transaction holds and waits only briefly for the sale's row (db/allocation.ts). So a held
 * order holds only itself, and a held sale row only its sale's orders: those are `held`, their jobs
 * failed for a retry, and the rest are settled.
 */
async function allocate(valid: ValidJob[]): Promise<AllocationResult> {
  const deadline = performance.now() + ALLOCATION_BUDGET_MS;
  const now = Date.now();
  for (const [saleId, until] of recentlyHeld) if (until <= now) recentlyHeld.delete(saleId);
  // A sale held lately takes no turn: its orders behind the lock are retried whenever it goes, and
  // waiting on its batches would hold the other sales' orders for the bound.
  const sales = valid.map((v) => v.saleId).filter((saleId) => !recentlyHeld.has(saleId));
  const place = Math.min(...valid.map((v) => v.seq ?? Number.NEGATIVE_INFINITY));
  return turns.run(sales, place, ARRIVAL_WAIT_MS, (turn) => allocateInTurn(valid, deadline, turn), valid);
}

/**
 * The batch's orders and those its turn takes along (jobs/turns.ts), in one statement or sale by
 * sale. The outcome counts both; the handler answers only for its own jobs' orders, so an order taken
 * along that was held or missing is left to its own batch, which finds it as it was.
 */
async function allocateInTurn(valid: ValidJob[], deadline: number, turn: TurnHandle): Promise<AllocationResult> {
  const run = (group: BatchOrder[], options?: { skipLocked: true; saleWaitMs: number }) => withTransientRetry("allocate", () => allocateOrders(group.map((v) => v.orderId), options));
  const orders: BatchOrder[] = [...valid, ...turn.alongside];
  if (!valid.some((v) => recentlyHeld.has(v.saleId))) {
    try {
      return await run(orders);
    } catch (err) {
      if (!isLockTimeout(err)) throw err;
    }
  }
  const bySale = new Map<string, BatchOrder[]>();
  for (const v of orders) {
    const group = bySale.get(v.saleId);
    if (group) group.push(v);
    else bySale.set(v.saleId, [v]);
  }
  const outcome: AllocationResult = { completed: 0, failed: 0, skipped: 0, missing: [], held: [] };
  const groups = [...bySale].sort(([a], [b]) => Number(recentlyHeld.has(a)) - Number(recentlyHeld.has(b)));
  for (const [i, [saleId, group]] of groups.entries()) {
    const saleWaitMs = Math.min(SKIP_LOCKED_SALE_WAIT_MS, Math.floor((deadline - performance.now()) / (groups.length - i)));
    if (saleWaitMs < MIN_SALE_WAIT_MS) {
      outcome.held.push(...group.map((v) => v.orderId));
      turn.release(saleId);
      continue;
    }
    let part;
    try {
      part = await run(group, { skipLocked: true, saleWaitMs });
    } catch (err) {
      if (!isLockTimeout(err)) throw err;
      recentlyHeld.set(saleId, Date.now() + RECENTLY_HELD_MS);
      outcome.held.push(...group.map((v) => v.orderId));
      turn.release(saleId);
      continue;
    }
    // Its row was had: the sale's next batches go in one statement again.
    recentlyHeld.delete(saleId);
    turn.release(saleId);
    outcome.completed += part.completed;
    outcome.failed += part.failed;
    outcome.skipped += part.skipped;
    outcome.missing.push(...part.missing);
    outcome.held.push(...part.held);
  }
  return outcome;
}

// Large batches turn thousands of orders into a handful of statements; burst mode keeps fetching
// while batches come back full, and NOTIFY wakes the worker when the queue was empty. The tunable
// ones come from config() when read (the worker's start), not at import.
export const workOptions = {
  get batchSize() {
    return config().WORKER_BATCH_SIZE;
  },
  burstWhenBatchFull: true,
  pollingIntervalSeconds: 0.5,
  notifyPollingIntervalSeconds: 5,
  // Two batches in flight per worker: one fetches or marks its jobs done while the other allocates.
  get localConcurrency() {
    return config().WORKER_CONCURRENCY;
  },
} as const;

/**
 * Allocates one fetched batch in one statement (run again in-process on deadlocks, serialization
 * failures and dropped connections) and says what became of each job: completed; `deadletter` for a
 * malformed payload; `failed` (for a retry with backoff) when its order does not exist, or when it or
 * its sale's row stayed locked by another transaction (`allocate`, above). Throwing
 * fails the whole batch back to pg-boss, which retries it: allocation is idempotent.
 */
export async function handler(jobs: Job<unknown>[]): Promise<JobResult[]> {
  const started = performance.now();
  const results: JobResult[] = [];
  const valid: ValidJob[] = [];
  for (const job of jobs) {
    const parsed = payload.safeParse(job.data);
    if (parsed.success) valid.push({ id: job.id, orderId: parsed.data.orderId, saleId: parsed.data.saleId, seq: parsed.data.seq });
    else results.push({ id: job.id, status: "deadletter", output: { reason: "malformed", message: MALFORMED_MESSAGE, data: job.data } });
  }
  let outcome;
  try {
    outcome = await allocate(valid);
  } catch (err) {
    jobsFailed.inc(jobs.length);
    throw err;
  }
  const missing = new Set(outcome.missing);
  const held = new Set(outcome.held);
  // Jobs, not orders: a batch may carry two jobs of one order (a redelivery beside a retry).
  let failedJobs = jobs.length - valid.length;
  for (const { id, orderId } of valid) {
    if (held.has(orderId)) {
      results.push({ id, status: "failed", output: { reason: LOCK_TIMEOUT_REASON, message: heldMessage } });
      failedJobs++;
    } else if (missing.has(orderId)) {
      results.push({ id, status: "failed", output: { reason: "order_not_found", message: `There is no order ${orderId}.` } });
      failedJobs++;
    } else results.push({ id, status: "completed" });
  }
  const ended = performance.now();
  batchSeconds.observe((ended - started) / 1000);
  recordBatch(jobs.length, started, ended);
  jobsProcessed.inc(jobs.length - failedJobs);
  jobsFailed.inc(failedJobs);
  ordersSettled.inc({ outcome: "completed" }, outcome.completed);
  ordersSettled.inc({ outcome: "failed" }, outcome.failed);
  log.debug({ jobs: jobs.length, ...outcome, missing: missing.size, held: held.size, ms: Math.round(ended - started) }, "allocated batch");
  return results;
}

/**
 * What pg-boss runs for each fetched batch: the handler's allocation, then the few bad jobs settled
 * one by one (a missing order failed for a retry with backoff, a malformed payload dead-lettered at
 * once), each failed job logged at warn with its attempt (and, on its last, its dead-lettering).
 * Returning completes every job still active, the allocated ones, in pg-boss's plain completion: one
 * UPDATE by primary key over an id array. (pg-boss's per-job results complete through
 * a JSON recordset joined to the job table, whose plan turns into a nested loop over every retained job
 * of the queue when the table's statistics were taken with no job active: the usual case at the start
 * of a storm. The bench's engine phase went from 7,163 to 11,335 orders/s with this change.)
 */
export function batchWorker(boss: PgBoss): (jobs: Job<unknown>[]) => Promise<void> {
  return async (jobs) => {
    const started = performance.now();
    let results: JobResult[];
    try {
      results = await handler(jobs);
    } catch (err) {
      // pg-boss fails the whole batch: each job is retried, or dead-lettered on its last attempt.
      const message = `allocation failed (${err instanceof Error ? err.message : String(err)})`;
      await logFailures(boss, jobs.map((job) => ({ job, reason: "error", message })), { isBatch: true });
      throw err;
    }
    const byId = new Map(jobs.map((job) => [job.id, job]));
    const failures: Failure[] = [];
    const held = results.filter((r) => r.status === "failed" && outputReason(r) === LOCK_TIMEOUT_REASON);
    if (held.length > 0) {
      // Held orders, up to a whole batch: failed in one call, logged as a batch.
      const heldJobs = held.map((r) => byId.get(r.id)!);
      await boss.fail(PLACE_ORDER, heldJobs, held[0]!.output as object);
      await logFailures(boss, heldJobs.map((job) => ({ job, reason: LOCK_TIMEOUT_REASON, message: heldMessage })), { isBatch: true });
    }
    for (const result of results) {
      if (result.status === "failed" && outputReason(result) !== LOCK_TIMEOUT_REASON) {
        await boss.fail(PLACE_ORDER, byId.get(result.id)!, result.output as object);
        failures.push({ job: byId.get(result.id)!, reason: "order_not_found", message: outputMessage(result) });
      }
    }
    const dead = results.filter((r) => r.status === "deadletter");
    if (dead.length > 0) {
      const table = await jobTable(boss, PLACE_ORDER);
      const items = dead.map((r) => ({ id: r.id, retry_count: byId.get(r.id)!.retryCount, output: r.output ?? null }));
      await boss.getDb().executeSql(deadLetterJobsByIdWithOutputs(BOSS_SCHEMA, table), [PLACE_ORDER, JSON.stringify(items)]);
      for (const r of dead) failures.push({ job: byId.get(r.id)!, reason: "malformed", message: outputMessage(r), deadLetterNow: true });
    }
    if (failures.length > 0) await logFailures(boss, failures);
    // The orders are final already; only the jobs' completion (and this slot's next fetch) waits.
    // After a batch that was not full, the slot waits WORKER_LINGER_MS (from the batch's start)
    // before fetching again, so a steady trickle of Buys is allocated in batches of tens rather than
    // one or two orders each: every batch costs Postgres a fetch, an allocation and a completion,
    // whatever its size, on the cores admission needs. A full batch (a storm) fetches again at once;
    // an order that arrives while the slots wait is final within this time plus one batch, far
    // inside the 202 → final target.
    const linger = jobs.length < workOptions.batchSize ? config().WORKER_LINGER_MS - (performance.now() - started) : 0;
    if (linger > 0) {
      await new Promise((r) => setTimeout(r, linger));
      recordLinger(performance.now());
    }
  };
}

type Failure = { job: Job<unknown>; reason: string; message: string; deadLetterNow?: boolean };

const outputMessage = (result: JobResult) => String((result.output as { message?: unknown } | undefined)?.message ?? "failed");
const outputReason = (result: JobResult) => (result.output as { reason?: unknown } | undefined)?.reason;

// The queue's own retry limit: what a job has unless it was sent with one of its own.
const queueRetryLimit = placeOrderQueue.retryLimit;

/**
 * Logs each failed job (jobs/job-failures.ts). The fetch leaves out a job's retry limit (the hot path
 * reads only what allocation needs), so it is read here for the failed jobs; while the database is
 * away the queue's own limit stands in. A whole batch that failed (`isBatch`: up to a thousand jobs,
 * on every attempt while the database misbehaves) is one line for the jobs that will be retried, and
 * a line of its own only for each job it dead-letters.
 */
async function logFailures(boss: PgBoss, failures: Failure[], { isBatch = false }: { isBatch?: boolean } = {}): Promise<void> {
  let limits = new Map<string, number>();
  try {
    const table = await jobTable(boss, PLACE_ORDER);
    const { rows } = await boss
      .getDb()
      .executeSql(`SELECT id, retry_limit FROM ${BOSS_SCHEMA}.${table} WHERE name = $1 AND id = ANY($2::uuid[])`, [PLACE_ORDER, failures.map((f) => f.job.id)]);
    limits = new Map((rows as { id: string; retry_limit: number }[]).map((r) => [r.id, r.retry_limit]));
  } catch {
    // Logged below with the queue's own limit.
  }
  const retried: JobFailure[] = [];
  for (const { job, reason, message, deadLetterNow } of failures) {
    const failure: JobFailure = { queue: PLACE_ORDER, jobId: job.id, orderId: orderIdOf(job.data), reason, message, retryCount: job.retryCount, retryLimit: limits.get(job.id) ?? queueRetryLimit, deadLetterNow };
    if (isBatch && !isLastAttempt(failure)) retried.push(failure);
    else logJobFailure(failure);
  }
  if (retried.length > 0) {
    const attempts = retried.map((f) => f.retryCount + 1);
    log.warn(
      { queue: PLACE_ORDER, jobs: retried.length, reason: retried[0]!.reason, firstAttempt: Math.min(...attempts), lastAttempt: Math.max(...attempts), deadLettered: false },
      `${PLACE_ORDER}: a batch of ${retried.length} job${retried.length === 1 ? "" : "s"} failed, to be retried: ${retried[0]!.message}`,
    );
  }
}
