import { and, gt, lte, sql } from "drizzle-orm";
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { backlogStatus } from "./admission";
import { getDb } from "./client";
import { countDeadLetters } from "./dead-letters";
import { webMetrics } from "./metrics";
import { sales, workerMetrics } from "./schema";

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
    .where(gt(workerMetrics.updatedAt, sql`now() - make_interval(secs => ${WORKER_FRESH_SECONDS})`));
  return rows.map((r) => r.metrics as MetricsJson);
}

/**
 * The Prometheus text for /api/metrics: this web process's counters and process metrics, the
 * gauges read at scrape time (backlog, dead letters of every queue as the admin's page counts them,
 * stock of live sales) and every live worker's
 * own metrics, each series labelled with its role and instance.
 */
export async function renderMetrics(): Promise<{ text: string; contentType: string }> {
  const metrics = webMetrics();
  const [backlog, deadLetters, stock, workers] = await Promise.all([backlogStatus(), countDeadLetters(), liveSaleStock(), freshWorkerMetrics()]);
  metrics.depth.set(backlog.depth);
  metrics.backlogMax.set(backlog.bound);
  metrics.drainRate.set(backlog.drainPerSecond);
  metrics.deadLetters.set(deadLetters);
  metrics.stockRemaining.reset();
  for (const sale of stock) metrics.stockRemaining.set({ sale_id: sale.id }, sale.remaining);
  const registry = AggregatorRegistry.aggregate([await metrics.registry.getMetricsAsJSON(), ...workers]);
  return { text: await registry.metrics(), contentType: registry.contentType };
}
