import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db/client";
import { createSale } from "@/db/sales";
import { signInAdmin } from "@/db/testing/admin";
import { freshDatabase } from "@/db/testing/database";
import { call, cookieFrom } from "@/db/testing/http";
import { liveSale } from "@/db/testing/live-sale";
import { pool, startWorker, stopProcess, waitFor } from "@/db/testing/processes";
import { stopWebBoss } from "@/jobs/boss";
import * as shopperSession from "@/app/api/session/route";
import * as buy from "@/app/api/sales/[id]/orders/route";
import * as stats from "./route";

// These tests are about what happens to admitted orders: every shopper is admitted and allocation
// fails the surplus, so the admission gate is opened wide and the backlog bound lifted.
process.env.ORDER_ADMISSION_SLACK = "10";
process.env.ORDER_BACKLOG_MAX = "100000";

let db: Awaited<ReturnType<typeof freshDatabase>>;
let cookie: string;
let worker: ChildProcess | undefined;

const view = async (saleId: string) => call(stats.GET, `/api/admin/sales/${saleId}/stats`, { params: { id: saleId }, cookie });

/** `count` shoppers press Buy, 20 at a time; answers how many were accepted (the rest found it sold out). */
async function shoppersBuy(saleId: string, count: number, tag: string): Promise<number> {
  const answers = await pool(
    Array.from({ length: count }, (_, i) => async () => {
      const res = await call(shopperSession.POST, "/api/session", { method: "POST", body: { email: `${tag}-${i}@stats.example` } });
      const order = await call(buy.POST, `/api/sales/${saleId}/orders`, { method: "POST", params: { id: saleId }, cookie: cookieFrom(res.res) });
      if (order.status !== 202 && order.status !== 410) throw new Error(`buy answered ${order.status}`);
      return order.status;
    }),
    20,
  );
  return answers.filter((status) => status === 202).length;
}

type Point = { accepted: number; completed: number; failed: number };

/**
 * The rates the live view must show: per second over the ten complete seconds before the current one,
 * or, in a sale's first ten seconds, over the complete seconds since the one it opened in began.
 */
function ratesFromSeries({ series, at, sale }: { series: Point[]; at: string; sale: { startsAt: string } }) {
  const sinceOpening = Math.floor(Date.parse(at) / 1000) - Math.floor(Date.parse(sale.startsAt) / 1000);
  const window = sinceOpening >= 1 ? Math.min(10, sinceOpening) : 10;
  const recent = series.slice(-window - 1, -1);
  const sum = (f: (p: Point) => number) => recent.reduce((n, p) => n + f(p), 0);
  return { accepted: sum((p) => p.accepted) / window, processed: sum((p) => p.completed + p.failed) / window, rateWindowSeconds: window };
}

/** Waits into the next whole second, so that what happened so far lies in complete seconds. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1050 - (Date.now() % 1000)));

/** The truth the counters must agree with: a full count of the sale's orders. */
async function countedByStatus(saleId: string) {
  const rows = await db.sql`SELECT status, count(*)::int AS n FROM orders WHERE sale_id = ${saleId} GROUP BY status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

beforeAll(async () => {
  db = await freshDatabase();
  cookie = await signInAdmin();
});

afterAll(async () => {
  if (worker) await stopProcess(worker);
  await stopWebBoss();
  await closeDb();
  await db.drop();
});

describe("GET /api/admin/sales/:id/stats", () => {
  it("follows a sale from its line of pending orders to sold out: counts, queue depth, rates, chart and sell-out time", async () => {
    const sale = await createSale({ name: "Stats test", priceCents: 1000, originalPriceCents: 2000, stock: 120, startsAt: new Date(Date.now() - 5_000), endsAt: new Date(Date.now() + 3600_000) });
    expect(await shoppersBuy(sale.id, 300, "line")).toBe(300);

    // No worker yet: every accepted order waits in line.
    await nextSecond();
    const waiting = await view(sale.id);
    expect(waiting.status).toBe(200);
    expect(waiting.json.counts).toEqual({ pending: 300, completed: 0, failed: 0, shipped: 0, cancelled: 0 });
    expect(waiting.json.queue.inLine).toBe(300);
    expect(waiting.json.queue.jobsWaiting).toBe(300);
    expect(waiting.json.sale).toMatchObject({ stock: 120, remaining: 120, sold: 0, state: "live" });
    const accepted = waiting.json.series.reduce((n: number, p: { accepted: number }) => n + p.accepted, 0);
    expect(accepted).toBe(300);
    expect(waiting.json.series).toHaveLength(waiting.json.windowSeconds);
    expect(waiting.json.sellOut).toEqual({ soldOutAt: null, secondsToSellOut: null, etaSeconds: null });
    expect(waiting.json.rates).toEqual(ratesFromSeries(waiting.json));
    expect(waiting.json.rates).toMatchObject({ accepted: expect.any(Number), processed: 0 });
    expect(waiting.json.rates.accepted).toBeGreaterThan(0);

    worker = startWorker(db.url);
    const done = await waitFor(async () => {
      const res = await view(sale.id);
      return res.json.counts.pending === 0 ? res : undefined;
    }, 30_000, "the line to drain");
    expect(done.json.counts).toEqual({ pending: 0, completed: 120, failed: 180, shipped: 0, cancelled: 0 });
    expect(done.json.counts).toMatchObject(await countedByStatus(sale.id));
    expect(done.json.sale).toMatchObject({ remaining: 0, sold: 120, state: "sold_out" });
    expect(done.json.queue).toMatchObject({ inLine: 0, jobsWaiting: 0 });
    const settled = done.json.series.reduce((n: number, p: { completed: number; failed: number }) => n + p.completed + p.failed, 0);
    expect(settled).toBe(300);
    expect(done.json.sellOut.soldOutAt).toEqual(expect.any(String));
    expect(done.json.sellOut.secondsToSellOut).toBeGreaterThanOrEqual(5);
    expect(done.json.sellOut.secondsToSellOut).toBeLessThan(120);
    expect(done.json.deadLetters).toBe(0);
    await nextSecond();
    const after = await view(sale.id);
    expect(after.json.rates).toEqual(ratesFromSeries(after.json));
    expect(after.json.rates.processed).toBeGreaterThan(0);
  }, 90_000);

  it("keeps its counters equal to a full count while many shoppers buy at once across connections", async () => {
    const sale = await createSale({ name: "Counters", priceCents: 1000, originalPriceCents: 2000, stock: 50, startsAt: new Date(Date.now() - 5_000), endsAt: new Date(Date.now() + 3600_000) });
    // The worker is running now: the sale sells out during the burst, and late Buys get 410.
    const accepted = await shoppersBuy(sale.id, 200, "burst");
    expect(accepted).toBeGreaterThanOrEqual(50);
    const done = await waitFor(async () => {
      const res = await view(sale.id);
      return res.json.counts.pending === 0 ? res : undefined;
    }, 30_000, "allocation");
    expect(done.json.counts).toEqual({ pending: 0, completed: 50, failed: accepted - 50, shipped: 0, cancelled: 0 });
    expect(await countedByStatus(sale.id)).toEqual(accepted > 50 ? { completed: 50, failed: accepted - 50 } : { completed: 50 });
    const total = (key: "accepted" | "completed" | "failed") => done.json.series.reduce((n: number, p: Record<string, number>) => n + p[key]!, 0);
    expect([total("accepted"), total("completed"), total("failed")]).toEqual([accepted, 50, accepted - 50]);
    // Rates are per second over the last ten complete seconds: never more than the burst itself.
    expect(done.json.rates.accepted * done.json.rates.rateWindowSeconds).toBeLessThanOrEqual(accepted);
  }, 90_000);

  it("in a sale's first seconds, measures its pace over the seconds since it opened, not over quiet ones before", async () => {
    if (worker) await stopProcess(worker);
    worker = undefined;
    // Opened a moment ago: 40 shoppers buy at once, as at a storm's opening.
    const sale = await createSale({ name: "Opening pace", priceCents: 1000, originalPriceCents: 2000, stock: 500, startsAt: new Date(Date.now() - 200), endsAt: new Date(Date.now() + 3600_000) });
    expect(await shoppersBuy(sale.id, 40, "opening")).toBe(40);
    await nextSecond();
    const res = await view(sale.id);
    const sinceOpening = Math.floor(Date.parse(res.json.at) / 1000) - Math.floor(sale.startsAt.getTime() / 1000);
    expect(sinceOpening).toBeLessThan(10);
    // Every Buy fell in the seconds since the opening: the pace is 40 over those, not over ten.
    expect(res.json.rates.rateWindowSeconds).toBe(sinceOpening);
    expect(res.json.rates.accepted * res.json.rates.rateWindowSeconds).toBeCloseTo(40, 9);
  });

  it("shows the sale's stock and its orders by status from one moment while a worker allocates", async () => {
    const STOCK = 150;
    const sale = await liveSale({ name: "One moment", stock: STOCK });
    if (worker) await stopProcess(worker);
    expect(await shoppersBuy(sale.id, 200, "moment")).toBe(200);
    // Small batches: the line drains in dozens of commits, each changing the stock and the counts.
    worker = startWorker(db.url, { WORKER_BATCH_SIZE: "2", WORKER_CONCURRENCY: "1" });
    const seen: string[] = [];
    let looks = 0;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { json } = await view(sale.id);
      const { sale: shown, counts } = json;
      // Counted only while the line is draining, when a mismatch could show.
      if (counts.pending > 0 && counts.pending < 200) looks++;
      // What the admin reads side by side: units sold, and orders completed.
      if (shown.sold !== counts.completed || shown.remaining !== STOCK - counts.completed) seen.push(`${shown.sold} sold, ${shown.remaining} left beside ${counts.completed} completed`);
      if (counts.pending === 0 || Date.now() > deadline) break;
    }
    expect(seen).toEqual([]);
    // Looked at often enough while the line drained for a mismatch to have shown.
    expect(looks).toBeGreaterThanOrEqual(10);
    expect((await view(sale.id)).json.counts).toMatchObject({ pending: 0, completed: STOCK, failed: 50 });
  }, 90_000);

  it("answers 404 for an unknown or malformed sale id", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000777", "x"]) {
      const res = await view(id);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("sale_not_found");
    }
  });
});
