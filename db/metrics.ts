import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { deadLetterQueues } from "@/jobs/queues";
import { detached } from "./detached";
import type { ErrorCode } from "./errors";
import { log } from "./log";

// Metrics of the web process. Kept on globalThis: Next.js may load this module once per route
// bundle, and a metric registered twice would throw.

/**
 * A registry with the process metrics of this process, labelled so web and worker series stay apart:
 * `role` and `process` (role and pid). Not `instance`: Prometheus sets that label itself, to the scrape
 * target, and renames one the target sends (`exported_instance`).
 */
export function processRegistry(role: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role, process: `${role}-${process.pid}` });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Every error code a Buy can answer (DESIGN.md's contract, and what the route's wrapper adds: 403 for
 * a cross-site request, 503 `unavailable` when the database is away, 500): each has its
 * `orders_rejected_total` series from the start, at 0, so an alert on one reads 0 rather than no data
 * until it first happens.
 */
export const BUY_REJECTION_CODES = [
  "invalid_json",
  "invalid_request",
  "payload_too_large",
  "unauthenticated",
  "forbidden",
  "sale_not_found",
  "sale_not_started",
  "sale_ended",
  "sold_out",
  "rate_limited",
  "busy",
  "unavailable",
  "internal_error",
] as const satisfies readonly ErrorCode[];

/** A new set of the web's metrics in a registry of its own (webMetrics() keeps the process's one). */
export function createWebMetrics() {
  const registry = processRegistry("web");
  const metrics = {
    registry,
    accepted: new Counter({ name: "orders_accepted_total", help: "Orders admitted (202), each with its allocation job.", registers: [registry] }),
    repeated: new Counter({ name: "orders_repeated_total", help: "Buys answered with the shopper's existing order (repeat click or Idempotency-Key replay).", registers: [registry] }),
    rejected: new Counter({
      name: "orders_rejected_total",
      help: "Buys rejected before any write, by error code.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    overflow: new Counter({ name: "order_queue_overflow_total", help: "Buys answered 503 busy because the order backlog was over its bound.", registers: [registry] }),
    latency: new Histogram({
      name: "order_admission_seconds",
      help: "Time to answer a Buy, by outcome: accepted (202, a new order), repeated (the shopper's existing order), rejected (an error answer).",
      labelNames: ["outcome"] as const,
      // Fine between 1 and 30 ms, where Buys are answered: a p95 read from these is within a bucket's width.
      buckets: [0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    groupSeconds: new Histogram({
      name: "order_admission_group_seconds",
      help: "Time of one group admission statement (the orders, their jobs and their places in line), from send to answer.",
      buckets: [0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    groupSize: new Histogram({
      name: "order_admission_group_size",
      help: "Buys admitted together in one group admission statement.",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    }),
    depth: new Gauge({ name: "order_queue_depth", help: "Pending orders (the allocation backlog) as this web process last measured it.", registers: [registry] }),
    backlogMax: new Gauge({ name: "order_backlog_max", help: "The backlog bound in force: above it new Buys get 503 busy.", registers: [registry] }),
    drainRate: new Gauge({ name: "order_drain_per_second", help: "Orders the workers settle per second, as measured by them.", registers: [registry] }),
    deadLetters: new Gauge({
      name: "order_dead_letters",
      help: "Jobs waiting in each dead-letter queue: place-order-dead (orders whose allocation failed), order-status-dead (admin ship and cancel that could not be applied).",
      labelNames: ["queue"] as const,
      registers: [registry],
    }),
    databaseUp: new Gauge({
      name: "database_up",
      help: "1 if every read of this scrape answered; 0 if one failed or took over 2 s (the gauges it feeds keep their last values).",
      registers: [registry],
    }),
    workersLive: new Gauge({
      name: "workers_live",
      help: "Worker processes that pushed their metrics within the last 30 s: 0 while orders wait is the alert (a worker stopped, hung or cut off from the database).",
      registers: [registry],
    }),
    stockRemaining: new Gauge({
      name: "sale_stock_remaining",
      help: "Units left in each live sale.",
      labelNames: ["sale_id"] as const,
      registers: [registry],
    }),
  };
  for (const reason of BUY_REJECTION_CODES) metrics.rejected.inc({ reason }, 0);
  for (const outcome of ["accepted", "repeated", "rejected"] as const) metrics.latency.zero({ outcome });
  for (const { name } of deadLetterQueues) metrics.deadLetters.set({ queue: name }, 0);
  return metrics;
}

export type WebMetrics = ReturnType<typeof createWebMetrics>;

const holder = globalThis as unknown as { __flashSaleWebMetrics?: WebMetrics; __flashSaleRejections?: Map<string, number> };

export function webMetrics(): WebMetrics {
  holder.__flashSaleWebMetrics ??= createWebMetrics();
  return holder.__flashSaleWebMetrics;
}

// A storm of rejections must not write a log line per request (logging is synchronous I/O on the
// hot path): they are counted here and summed up in one line every few seconds.
const SUMMARY_EVERY_MS = 5000;

export function recordRejection(code: string): void {
  webMetrics().rejected.inc({ reason: code });
  if (code === "busy") webMetrics().overflow.inc();
  let counts = holder.__flashSaleRejections;
  if (!counts) {
    counts = new Map();
    holder.__flashSaleRejections = counts;
    // Started by the first rejected request; it must not keep that request alive for good.
    detached(() => setInterval(flushRejectionSummary, SUMMARY_EVERY_MS).unref());
  }
  counts.set(code, (counts.get(code) ?? 0) + 1);
}

/** Logs the rejections counted since the last summary, if any. */
export function flushRejectionSummary(): void {
  const counts = holder.__flashSaleRejections;
  if (!counts || counts.size === 0) return;
  const byReason = Object.fromEntries(counts);
  counts.clear();
  log.info({ rejected: byReason, windowSeconds: SUMMARY_EVERY_MS / 1000 }, "orders rejected");
}
