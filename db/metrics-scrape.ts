import { and, gt, lte, sql } from "drizzle-orm";
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { backlogStatus } from "./admission";
import { getDb } from "./client";
import { countDeadLettersByQueue } from "./dead-letters";
import { withDeadline } from "./deadline";
import { webMetrics } from "./metrics";
import { sales, workerMetrics } from "./schema";
import { isLiveWorkerRow } from "./worker-rows";

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

// A worker that has not pushed for this long is gone; its series disappear like a restarted process's.
const WORKER_FRESH_SECONDS = 30;

/** Units left in every sale that is live now. */
export async function liveSaleStock(): Promise<{ id: string; remaining: number }[]> {
  return getDb()
    .select({ id: sales.id, remaining: sales.remaining })
    .from(sales)
    .where(and(lte(sales.startsAt, sql`now()`), gt(sales.endsAt, sql`now()`)));
}

/** The metrics the live workers last pushed. */
export async function freshWorkerMetrics(): Promise<MetricsJson[]> {
  const rows = await getDb()
    .select({ metrics: workerMetrics.metrics })
    .from(workerMetrics)
    .where(isLiveWorkerRow(WORKER_FRESH_SECONDS));
  return rows.map((r) => r.metrics as MetricsJson);
}

const SCRAPE_READ_MS = 2000;

type Settled<T> = { ok: true; value: T } | { ok: false };

/** `read`'s value, or `{ ok: false }` if it failed or outlived SCRAPE_READ_MS (its late outcome dropped). */
function within<T>(read: Promise<T>): Promise<Settled<T>> {
  return withDeadline(read, SCRAPE_READ_MS).then(
    (value): Settled<T> => ({ ok: true, value }),
    (): Settled<T> => ({ ok: false }),
  );
}

/**
 * The Prometheus text for /api/metrics: this web process's counters and process metrics, the
 * gauges read at scrape time (backlog, dead letters of every queue as the admin's page counts them,
 * stock of live sales) and every live worker's
 * own metrics, each series labelled with its role and process.
 */
export async function renderMetrics(): Promise<{ text: string; contentType: string }> {
  const metrics = webMetrics();
  // Each read on its own, within a bound: a database that is down or silent costs the scrape its
  // gauges (kept at their last values, database_up 0), not the web's own counters and process metrics,
  // which are what an operator needs most right then.
  const [backlog, deadLetters, stock, workers] = await Promise.all([
    within(backlogStatus()),
    within(countDeadLettersByQueue()),
    within(liveSaleStock()),
    within(freshWorkerMetrics()),
  ]);
  if (backlog.ok) {
    metrics.depth.set(backlog.value.depth);
    metrics.backlogMax.set(backlog.value.bound);
    metrics.drainRate.set(backlog.value.drainPerSecond);
  }
  if (deadLetters.ok) for (const [queue, n] of deadLetters.value) metrics.deadLetters.set({ queue }, n);
  if (stock.ok) {
    metrics.stockRemaining.reset();
    for (const sale of stock.value) metrics.stockRemaining.set({ sale_id: sale.id }, sale.remaining);
  }
  if (workers.ok) metrics.workersLive.set(workers.value.length);
  metrics.databaseUp.set(backlog.ok && deadLetters.ok && stock.ok && workers.ok ? 1 : 0);
  const registry = AggregatorRegistry.aggregate([await metrics.registry.getMetricsAsJSON(), ...(workers.ok ? workers.value : [])]);
  return { text: await registry.metrics(), contentType: registry.contentType };
}
