import { lt, sql } from "drizzle-orm";
import { Counter, Histogram } from "prom-client";
import { getDb } from "@/db/client";
import { log } from "@/db/log";
import { processRegistry } from "@/db/metrics";
import { workerMetrics } from "@/db/schema";

// The worker's metrics. A worker has no HTTP port: every PUSH_EVERY_MS it writes its registry (as
// JSON) into `worker_metrics`, and the web's /api/metrics shows every live worker's series. The
// same row carries the drain rate the web's backlog bound is sized from.

const PUSH_EVERY_MS = 2000;
// The drain rate is measured over the last this-many batches: jobs settled per second of busy time.
const WINDOW_BATCHES = 50;

export const instance = `worker-${process.pid}`;
export const registry = processRegistry("worker");

export const jobsProcessed = new Counter({ name: "jobs_processed_total", help: "Allocation jobs completed by this worker.", registers: [registry] });
// Attempts, not jobs: a job retried until its dead letter is counted once per attempt.
export const jobsFailed = new Counter({
  name: "jobs_failed_total",
  help: "Allocation job attempts that failed, each retry counted again (a job that fails 3 times counts 3): a missing order, a malformed payload, or every job of a batch whose allocation failed. Jobs now dead-lettered are order_dead_letters.",
  registers: [registry],
});
export const statusChanges = new Counter({
  name: "order_status_changes_total",
  help: "Admin status changes (ship, cancel) this worker handled, by outcome: applied, refused (retried, then dead-lettered) or error.",
  labelNames: ["outcome"] as const,
  registers: [registry],
});
export const ordersSettled = new Counter({
  name: "orders_settled_total",
  help: "Orders moved out of pending by allocation, by outcome.",
  labelNames: ["outcome"] as const,
  registers: [registry],
});
export const lostOrdersRequeued = new Counter({
  name: "orders_requeued_total",
  help: "Orders found in line for minutes without a job (pg-boss had deleted it), each given a new one.",
  registers: [registry],
});
export const batchSeconds = new Histogram({
  name: "allocation_batch_seconds",
  help: "Time of one allocation batch transaction.",
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

const recent: { jobs: number; seconds: number }[] = [];
// A gap shorter than this between two batches is pg-boss fetching and completing jobs while the
// queue is busy: it is part of the drain time. A longer one is idleness and is left out.
const BUSY_GAP_MS = 100;
let lastBatchEnd = 0;

/** Records one batch for the drain rate: `startedAt` and `endedAt` from performance.now(). */
export function recordBatch(jobs: number, startedAt: number, endedAt: number): void {
  const gap = startedAt - lastBatchEnd;
  const busyMs = endedAt - startedAt + (lastBatchEnd > 0 && gap < BUSY_GAP_MS ? gap : 0);
  lastBatchEnd = endedAt;
  recent.push({ jobs, seconds: busyMs / 1000 });
  if (recent.length > WINDOW_BATCHES) recent.shift();
}

/** A slot waited on purpose (the linger after a batch that was not full): not drain time. */
export function recordLinger(endedAt: number): void {
  lastBatchEnd = Math.max(lastBatchEnd, endedAt);
}

/** Jobs settled per second of allocation work over the recent batches, or null before any. */
export function drainPerSecond(): number | null {
  let jobs = 0;
  let seconds = 0;
  for (const b of recent) {
    jobs += b.jobs;
    seconds += b.seconds;
  }
  return seconds > 0 ? jobs / seconds : null;
}

/** Writes this worker's metrics and drain rate into the database. */
export async function pushWorkerMetrics(): Promise<void> {
  const metrics = await registry.getMetricsAsJSON();
  const drain = drainPerSecond();
  await getDb()
    .insert(workerMetrics)
    .values({ instance, metrics, drainPerSecond: drain, updatedAt: sql`now()` })
    .onConflictDoUpdate({ target: workerMetrics.instance, set: { metrics, drainPerSecond: drain, updatedAt: sql`now()` } });
}

/** Pushes every couple of seconds until the returned function is called (which removes the row). */
export function startMetricsPush(): () => Promise<void> {
  // While the database is away a push fails every 2 s: the first failure is a warning, the rest
  // (debug) would only repeat it, and the first push that works again says how many were missed.
  let failures = 0;
  const push = () =>
    pushWorkerMetrics().then(
      () => {
        if (failures > 0) log.info({ failures }, "worker metrics pushed again");
        failures = 0;
      },
      (err) => {
        failures++;
        if (failures === 1) log.warn({ err }, "could not push worker metrics; trying again every 2 s");
        else log.debug({ err, failures }, "could not push worker metrics");
      },
    );
  void push();
  // Rows of workers that died without saying goodbye are cleared by the next worker to start.
  void getDb()
    .delete(workerMetrics)
    .where(lt(workerMetrics.updatedAt, sql`now() - interval '1 hour'`))
    .catch(() => {});
  const timer = setInterval(push, PUSH_EVERY_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await getDb()
      .delete(workerMetrics)
      .where(sql`${workerMetrics.instance} = ${instance}`)
      .catch((err) => log.warn({ err }, "could not remove worker metrics"));
  };
}
