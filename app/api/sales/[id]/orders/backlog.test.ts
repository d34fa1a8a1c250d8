import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "@/db/testing/database";
import { liveSale } from "@/db/testing/live-sale";
import { call, cookieFrom } from "@/db/testing/http";
import { pool, startWorker, stopProcess, waitFor } from "@/db/testing/processes";
import { webBoss } from "@/jobs/boss";
import { ORDER_STATUS_DEAD, PLACE_ORDER_DEAD } from "@/jobs/queues";
import * as metricsRoute from "@/app/api/metrics/route";
import * as session from "@/app/api/session/route";
import * as orders from "./route";

// A small bound so a storm reaches it; the gate is opened wide so only the bound decides.
const BOUND = 100;
process.env.ORDER_BACKLOG_MAX = String(BOUND);
// Refused only over the bound (the contract's word): the Buy that finds the backlog exactly at it gets in.
const ADMITTED = BOUND + 1;
process.env.ORDER_ADMISSION_SLACK = "100";
const METRICS_TOKEN = "metrics-token-for-the-backlog-test";
process.env.METRICS_TOKEN = METRICS_TOKEN;

const db = useTestDatabase();
let worker: ChildProcess | undefined;

const sale = (stock: number) => liveSale({ name: "Backlog test", stock });

async function shopper(i: number): Promise<string> {
  const res = await call(session.POST, "/api/session", { method: "POST", body: { email: `backlog-${i}@example.com` } });
  return cookieFrom(res.res);
}

/** Sums the samples of one metric whose labels include `labels`, from Prometheus text. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) {
      sum += Number(match[3]);
      found = true;
    }
  }
  if (!found) throw new Error(`no ${name} ${JSON.stringify(labels)} in the metrics`);
  return sum;
}

/** GET /api/metrics with the token, as Prometheus text. */
async function scrape(): Promise<string> {
  const req = new Request("http://127.0.0.1/api/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const res = await metricsRoute.GET(req, { params: Promise.resolve({}) } as never);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  return res.text();
}

afterAll(async () => {
  if (worker) await stopProcess(worker);
});

describe("the backlog bound", () => {
  const answers: Awaited<ReturnType<typeof call>>[] = [];
  let saleIds: string[] = [];

  it("admits until the backlog is over the bound while no worker drains (the bound plus one), answers the rest 503 busy with Retry-After, and keeps orders and jobs one to one", async () => {
    saleIds = [(await sale(1000)).id, (await sale(1000)).id];
    const cookies = await pool(Array.from({ length: 400 }, (_, i) => () => shopper(i)), 20);
    answers.push(
      ...(await pool(
        cookies.map((cookie, i) => () => {
          const id = saleIds[i % 2]!;
          return call(orders.POST, `/api/sales/${id}/orders`, { method: "POST", params: { id }, cookie });
        }),
        50,
      )),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const busy = answers.filter((a) => a.status === 503);
    expect(accepted.length + busy.length).toBe(400);
    expect(accepted.length).toBe(ADMITTED);
    for (const a of busy) {
      expect(a.json).toEqual({ error: { code: "busy", message: expect.any(String) } });
      const retryAfter = Number(a.headers.get("retry-after"));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    }
    const [row] = await db.sql`
      SELECT (SELECT count(*)::int FROM orders) AS orders,
             (SELECT count(*)::int FROM pgboss.job WHERE name = 'place-order') AS jobs,
             (SELECT count(*)::int FROM orders o WHERE NOT EXISTS
                (SELECT 1 FROM pgboss.job j WHERE j.name = 'place-order' AND j.data->>'orderId' = o.id::text)) AS orders_without_job`;
    expect(row).toEqual({ orders: ADMITTED, jobs: ADMITTED, orders_without_job: 0 });
  });

  it("shows in /api/metrics exactly what the storm did, and only to the holder of METRICS_TOKEN", async () => {
    const denials = [undefined, "Bearer not-the-token", METRICS_TOKEN, `Bearer${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN} x`, `Basic ${METRICS_TOKEN}`];
    for (const authorization of denials) {
      const denied = await call(metricsRoute.GET, "/api/metrics", { headers: authorization ? { authorization } : {} });
      expect(denied.status, String(authorization)).toBe(401);
      expect(denied.json.error.code).toBe("unauthenticated");
    }
    // The scheme's name in any case, as HTTP has it.
    for (const authorization of [`bearer ${METRICS_TOKEN}`, `BEARER  ${METRICS_TOKEN}`]) {
      const res = await metricsRoute.GET(new Request("http://127.0.0.1/api/metrics", { headers: { authorization } }), { params: Promise.resolve({}) } as never);
      expect(res.status, authorization).toBe(200);
    }

    const text = await scrape();
    const accepted = answers.filter((a) => a.status === 202).length;
    const busy = answers.filter((a) => a.status === 503).length;
    expect(metric(text, "orders_accepted_total")).toBe(accepted);
    expect(metric(text, "order_queue_overflow_total")).toBe(busy);
    expect(metric(text, "orders_rejected_total", { reason: "busy" })).toBe(busy);
    expect(metric(text, "order_admission_seconds_count")).toBe(answers.length);
    // Accepted Buys timed apart from those turned away, which are answered without a round trip.
    expect(metric(text, "order_admission_seconds_count", { outcome: "accepted" })).toBe(accepted);
    expect(metric(text, "order_admission_seconds_count", { outcome: "rejected" })).toBe(busy);
    // Every admitted Buy went through a group statement; groups carried them in fewer statements.
    expect(metric(text, "order_admission_group_size_sum")).toBe(accepted);
    expect(metric(text, "order_admission_group_seconds_count")).toBe(metric(text, "order_admission_group_size_count"));
    expect(metric(text, "order_admission_group_size_count")).toBeLessThan(accepted);
    expect(metric(text, "order_queue_depth")).toBe(ADMITTED);
    expect(metric(text, "order_backlog_max")).toBe(BOUND);
    expect(metric(text, "order_dead_letters")).toBe(0);
    for (const id of saleIds) expect(metric(text, "sale_stock_remaining", { sale_id: id })).toBe(1000);
    expect(metric(text, "process_resident_memory_bytes", { role: "web" })).toBeGreaterThan(0);
    // No worker runs yet: the gauge an operator alerts on while orders wait.
    expect(metric(text, "workers_live")).toBe(0);
  });

  it("adds the worker's own metrics once it drains the backlog, and counts dead letters", async () => {
    worker = startWorker(db.url);
    await waitFor(async () => {
      const [row] = await db.sql`SELECT count(*)::int AS n FROM orders WHERE status = 'pending'`;
      return row!.n === 0 ? true : undefined;
    }, 30_000, "the worker to drain the backlog");
    const boss = await webBoss();
    await boss.send(PLACE_ORDER_DEAD, { orderId: "00000000-0000-4000-8000-000000000000", saleId: saleIds[0] });

    const text = await waitFor(async () => {
      const t = await scrape();
      try {
        return metric(t, "jobs_processed_total", { role: "worker" }) === ADMITTED ? t : undefined;
      } catch {
        return undefined;
      }
    }, 15_000, "the worker's metrics to reach /api/metrics");
    expect(metric(text, "orders_settled_total", { role: "worker", outcome: "completed" })).toBe(ADMITTED);
    expect(metric(text, "jobs_failed_total", { role: "worker" })).toBe(0);
    expect(metric(text, "process_resident_memory_bytes", { role: "worker" })).toBeGreaterThan(0);
    expect(metric(text, "workers_live")).toBe(1);
    // Each series names its process in a label of its own; `instance` is Prometheus's, for the target.
    expect(metric(text, "jobs_processed_total", { role: "worker", process: `worker-${worker!.pid}` })).toBe(ADMITTED);
    expect(text).not.toMatch(/[{,]instance="/);
    expect(metric(text, "order_queue_depth")).toBe(0);
    expect(metric(text, "order_dead_letters")).toBe(1);
    // Told apart by queue: a stuck order is not a failed ship or cancel.
    expect(metric(text, "order_dead_letters", { queue: PLACE_ORDER_DEAD })).toBe(1);
    expect(metric(text, "order_dead_letters", { queue: ORDER_STATUS_DEAD })).toBe(0);
    expect(metric(text, "order_drain_per_second")).toBeGreaterThan(0);
    const remaining = saleIds.map((id) => metric(text, "sale_stock_remaining", { sale_id: id }));
    expect(remaining[0]! + remaining[1]!).toBe(2000 - ADMITTED);
  });
});
