import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db/client";
import { signInAdmin } from "@/db/testing/admin";
import { freshDatabase } from "@/db/testing/database";
import { call, cookieFrom } from "@/db/testing/http";
import { liveSale } from "@/db/testing/live-sale";
import { startWorker, stopProcess, waitFor } from "@/db/testing/processes";
import { stopWebBoss, webBoss } from "@/jobs/boss";
import { ORDER_STATUS, PLACE_ORDER } from "@/jobs/queues";
import * as shopperSession from "@/app/api/session/route";
import * as buy from "@/app/api/sales/[id]/orders/route";
import * as deadLetter from "@/app/api/admin/dead-letters/[id]/route";
import * as deadLetterRetry from "@/app/api/admin/dead-letters/[id]/retry/route";
import * as deadLetters from "@/app/api/admin/dead-letters/route";
import * as metrics from "@/app/api/metrics/route";
import * as stats from "@/app/api/admin/sales/[id]/stats/route";
import * as status from "./route";

// The status change end to end: the route answers 202 and sends a job, a real worker applies it in
// one transaction, and what cannot be applied is retried and then lands in the dead letters, where
// the admin retries or discards it.

// These tests are about what happens to admitted orders: every shopper is admitted and allocation
// fails the surplus, so the admission gate is opened wide and the backlog bound lifted.
process.env.ORDER_ADMISSION_SLACK = "10";
process.env.ORDER_BACKLOG_MAX = "100000";

let db: Awaited<ReturnType<typeof freshDatabase>>;
let cookie: string;
let worker: ChildProcess;
let saleId: string;
const orderOf: Record<string, string> = {};

const put = (orderId: string, body: unknown) => call(status.PUT, `/api/admin/orders/${orderId}/status`, { method: "PUT", params: { id: orderId }, body, cookie });
const orderStatus = async (id: string) => (await db.sql`SELECT status FROM orders WHERE id = ${id}`)[0]?.status as string | undefined;
const remaining = async () => (await db.sql`SELECT remaining FROM sales WHERE id = ${saleId}`)[0]!.remaining as number;
const listDeadLetters = async () => (await call(deadLetters.GET, "/api/admin/dead-letters", { cookie })).json.deadLetters as any[];
const deadLetterFor = (orderId: string) => waitFor(async () => (await listDeadLetters()).find((d) => d.payload.orderId === orderId), 30_000, `a dead letter for ${orderId}`);
const jobState = async (jobId: string) => (await db.sql`SELECT state FROM pgboss.job WHERE id = ${jobId}`)[0]?.state as string | undefined;

beforeAll(async () => {
  db = await freshDatabase();
  cookie = await signInAdmin();
  worker = startWorker(db.url);
  const sale = await liveSale({ name: "Status test", stock: 2 });
  saleId = sale.id;
  // Three shoppers for two units: two completed orders and one that failed as sold out.
  for (const who of ["a", "b", "c"]) {
    const shopper = cookieFrom((await call(shopperSession.POST, "/api/session", { method: "POST", body: { email: `${who}@status.example` } })).res);
    expect((await call(buy.POST, `/api/sales/${saleId}/orders`, { method: "POST", params: { id: saleId }, cookie: shopper })).status).toBe(202);
  }
  await waitFor(async () => ((await db.sql`SELECT count(*)::int AS n FROM orders WHERE status = 'pending'`)[0]!.n === 0 ? true : undefined), 20_000, "allocation");
  // Which two got the units is the worker's to decide: the three may come in separate batches on its
  // two slots, and arrival order holds within a batch, not across two at once (README, Allocation).
  // `a` and `b` name the completed orders, `c` the one sold out.
  const settled = await db.sql<{ id: string; status: string }[]>`SELECT id, status FROM orders WHERE sale_id = ${saleId} ORDER BY seq`;
  const completed = settled.filter((o) => o.status === "completed");
  const failed = settled.filter((o) => o.status === "failed");
  expect([completed.length, failed.length]).toEqual([2, 1]);
  [orderOf.a, orderOf.b, orderOf.c] = [completed[0]!.id, completed[1]!.id, failed[0]!.id];
});

afterAll(async () => {
  if (worker) await stopProcess(worker);
  await stopWebBoss();
  await closeDb();
  await db.drop();
});

describe("PUT /api/admin/orders/:id/status", () => {
  it("ships a completed order through the queue: 202 with the job, then the worker applies it", async () => {
    expect(await orderStatus(orderOf.a!)).toBe("completed");
    const res = await put(orderOf.a!, { status: "shipped" });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ orderId: orderOf.a, status: "shipped", jobId: expect.any(String) });
    await waitFor(async () => ((await orderStatus(orderOf.a!)) === "shipped" ? true : undefined), 15_000, "the order to ship");
    expect(await remaining()).toBe(0);
  });

  it("cancels a completed order and gives its unit back to remaining; a repeated cancel changes nothing", async () => {
    expect(await orderStatus(orderOf.b!)).toBe("completed");
    expect((await put(orderOf.b!, { status: "cancelled" })).status).toBe(202);
    await waitFor(async () => ((await orderStatus(orderOf.b!)) === "cancelled" ? true : undefined), 15_000, "the order to cancel");
    expect(await remaining()).toBe(1);

    const again = await put(orderOf.b!, { status: "cancelled" });
    expect(again.status).toBe(202);
    await waitFor(async () => ((await jobState(again.json.jobId)) === "completed" ? true : undefined), 15_000, "the repeat to complete");
    expect(await remaining()).toBe(1);
    // stock = remaining + completed|shipped, still.
    const [{ sold }] = (await db.sql`SELECT count(*)::int AS sold FROM orders WHERE sale_id = ${saleId} AND status IN ('completed', 'shipped')`) as any[];
    expect(sold + (await remaining())).toBe(2);
  });

  it("retries what cannot be applied and then dead-letters it with the reason: illegal moves (a failed order shipped, a shipped one cancelled) and an unknown order", async () => {
    const unknown = "0a1b2c3d-0000-4000-8000-000000000001";
    const illegal = await put(orderOf.c!, { status: "shipped" }); // c failed as sold out: it cannot ship
    const missing = await put(unknown, { status: "cancelled" });
    const shippedBack = await put(orderOf.a!, { status: "cancelled" }); // a has shipped: its unit is gone
    expect(illegal.status).toBe(202);
    expect(missing.status).toBe(202);
    expect(shippedBack.status).toBe(202);

    const [forIllegal, forMissing, forShipped] = await Promise.all([deadLetterFor(orderOf.c!), deadLetterFor(unknown), deadLetterFor(orderOf.a!)]);
    expect(forIllegal).toMatchObject({ queue: "order-status", reason: "illegal_transition", attempts: 4, payload: { orderId: orderOf.c, status: "shipped", saleId } });
    expect(forIllegal.error).toMatch(/failed; only a completed order/);
    expect(forMissing).toMatchObject({ queue: "order-status", reason: "order_not_found", attempts: 4, payload: { orderId: unknown, status: "cancelled", saleId: null } });
    expect(await orderStatus(orderOf.c!)).toBe("failed");
    // A shipped order is not cancelled, and no unit comes back for it.
    expect(forShipped).toMatchObject({ queue: "order-status", reason: "illegal_transition", payload: { orderId: orderOf.a, status: "cancelled" } });
    expect(await orderStatus(orderOf.a!)).toBe("shipped");
    expect(await remaining()).toBe(1);

    // The sale's live view counts the dead letters that are about it.
    const view = await call(stats.GET, `/api/admin/sales/${saleId}/stats`, { params: { id: saleId }, cookie });
    expect(view.json.deadLetters).toBe(2);
    // /api/metrics shows both dead letters and the worker's refusals (pushed every 2 s), for an alert to see.
    const scrape = async () => (await call(metrics.GET, "/api/metrics")).text;
    await waitFor(async () => {
      const text = await scrape();
      const refused = /^order_status_changes_total\{[^}]*outcome="refused"[^}]*\} (\d+)/m.exec(text);
      return /^order_dead_letters\{[^}]*\} 3$/m.test(text) && refused && Number(refused[1]) >= 12 ? true : undefined;
    }, 15_000, "the dead letters and refusals in /api/metrics");

    // The missing order turns up (say it was restored); Retry sends the change through again.
    const [user] = await db.sql`SELECT id FROM users WHERE email = 'c@status.example'`;
    const other = await liveSale({ name: "Restored", priceCents: 100, originalPriceCents: 100, stock: 1 });
    await db.sql`UPDATE sales SET remaining = 0 WHERE id = ${other.id}`;
    await db.sql`INSERT INTO orders (id, sale_id, user_id, status) VALUES (${unknown}, ${other.id}, ${user!.id}, 'completed')`;
    const retried = await call(deadLetterRetry.POST, `/api/admin/dead-letters/${forMissing.id}/retry`, { method: "POST", params: { id: forMissing.id }, cookie });
    expect(retried.status).toBe(202);
    expect(retried.json).toEqual({ id: forMissing.id, queue: "order-status" });
    await waitFor(async () => ((await orderStatus(unknown)) === "cancelled" ? true : undefined), 15_000, "the retried change");
    expect((await db.sql`SELECT remaining FROM sales WHERE id = ${other.id}`)[0]!.remaining).toBe(1);
    expect((await listDeadLetters()).some((d) => d.id === forMissing.id)).toBe(false);

    // Discard removes the other for good; a second discard or retry finds nothing.
    const discarded = await call(deadLetter.DELETE, `/api/admin/dead-letters/${forIllegal.id}`, { method: "DELETE", params: { id: forIllegal.id }, cookie });
    expect(discarded.status).toBe(204);
    expect((await listDeadLetters()).some((d) => d.id === forIllegal.id)).toBe(false);
    const twice = await call(deadLetter.DELETE, `/api/admin/dead-letters/${forIllegal.id}`, { method: "DELETE", params: { id: forIllegal.id }, cookie });
    expect(twice.status).toBe(404);
    expect(twice.json.error.code).toBe("dead_letter_not_found");
    const retryGone = await call(deadLetterRetry.POST, `/api/admin/dead-letters/${forIllegal.id}/retry`, { method: "POST", params: { id: forIllegal.id }, cookie });
    expect(retryGone.status).toBe(404);
    expect((await call(deadLetter.DELETE, `/api/admin/dead-letters/${forShipped.id}`, { method: "DELETE", params: { id: forShipped.id }, cookie })).status).toBe(204);
  }, 90_000);

  it("lists dead letters of the order queue too, with the error they failed with", async () => {
    // An allocation job that can never succeed (its order id is not a UUID), allowed no retries.
    const boss = await webBoss();
    const jobId = await boss.send(PLACE_ORDER, { orderId: "not-a-uuid", saleId }, { retryLimit: 0 });
    const found = await waitFor(async () => (await listDeadLetters()).find((d) => d.payload.orderId === "not-a-uuid"), 20_000, "the allocation dead letter");
    expect(found).toMatchObject({ queue: "place-order", deadLetterQueue: "place-order-dead", attempts: 1, payload: { saleId }, reason: "malformed" });
    expect(found.error).toMatch(/not a place-order payload/);
    expect(jobId).toEqual(expect.any(String));
    const res = await call(deadLetter.DELETE, `/api/admin/dead-letters/${found.id}`, { method: "DELETE", params: { id: found.id }, cookie });
    expect(res.status).toBe(204);
  });

  it("dead-letters a status job whose payload is not a status change at once, with no retries", async () => {
    const boss = await webBoss();
    await boss.send(ORDER_STATUS, { orderId: orderOf.a, status: "refunded", saleId });
    const found = await waitFor(async () => (await listDeadLetters()).find((d) => d.payload.status === "refunded"), 20_000, "the status change's dead letter");
    expect(found).toMatchObject({ queue: "order-status", deadLetterQueue: "order-status-dead", attempts: 1, reason: "malformed" });
    expect(await orderStatus(orderOf.a!)).toBe("shipped");
    await call(deadLetter.DELETE, `/api/admin/dead-letters/${found.id}`, { method: "DELETE", params: { id: found.id }, cookie });
  });

  it.each([
    ["an unknown status", { status: "refunded" }],
    ["pending, which only the app sets", { status: "pending" }],
    ["no status", {}],
    ["an extra field", { status: "shipped", note: "x" }],
  ])("answers 400 for %s and sends no job", async (_what, body) => {
    const [{ n: before }] = (await db.sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'order-status'`) as any[];
    const res = await put(orderOf.a!, body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
    const [{ n: after }] = (await db.sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'order-status'`) as any[];
    expect(after).toBe(before);
  });

  it("answers 400 for an order id that is not a UUID", async () => {
    const res = await put("12345", { status: "shipped" });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/UUID/);
  });

  it("answers 404 when retrying or discarding a dead letter id that does not exist or is malformed", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "nope"]) {
      expect((await call(deadLetterRetry.POST, `/api/admin/dead-letters/${id}/retry`, { method: "POST", params: { id }, cookie })).status).toBe(404);
      expect((await call(deadLetter.DELETE, `/api/admin/dead-letters/${id}`, { method: "DELETE", params: { id }, cookie })).status).toBe(404);
    }
  });
});
