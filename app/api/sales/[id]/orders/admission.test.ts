import { describe, expect, it, vi } from "vitest";
import { log } from "@/db/log";
import { createSale } from "@/db/sales";
import { useTestDatabase } from "@/db/testing/database";
import { liveSale } from "@/db/testing/live-sale";
import { holdRowLock } from "@/db/testing/held-work";
import { call, cookieFrom } from "@/db/testing/http";
import { pool } from "@/db/testing/processes";
import { CLIENT_IP_HEADER } from "@/app/_lib/rate-limit";
import * as session from "@/app/api/session/route";
import * as orders from "./route";

// Small per-address limits so a test can reach them; the per-shopper limit keeps its defaults
// (5 a second plus a burst of 10), which is what a human meets. Read when the limiters are first used.
process.env.RATE_LIMIT_IP_PER_SECOND = "3";
process.env.RATE_LIMIT_IP_BURST = "0";
process.env.RATE_LIMIT_LOGIN_PER_MINUTE = "3";

const db = useTestDatabase();
const hour = 3600_000;
let shopperCount = 0;

const sale = (stock = 10) => liveSale({ name: "Admission test", stock });

async function shopper(): Promise<string> {
  const res = await call(session.POST, "/api/session", { method: "POST", body: { email: `admission-${++shopperCount}-${Date.now()}@example.com` } });
  expect(res.status).toBe(200);
  return cookieFrom(res.res);
}

function buy(saleId: string, cookie: string, options: { headers?: Record<string, string>; body?: unknown } = {}) {
  return call(orders.POST, `/api/sales/${saleId}/orders`, { method: "POST", params: { id: saleId }, cookie, ...options });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function counts(saleId: string) {
  const [row] = await db.sql`
    SELECT (SELECT count(*)::int FROM orders WHERE sale_id = ${saleId}) AS orders,
           (SELECT count(*)::int FROM orders WHERE sale_id = ${saleId} AND status = 'pending') AS pending,
           (SELECT count(*)::int FROM pgboss.job WHERE name = 'place-order' AND data->>'saleId' = ${saleId}) AS jobs`;
  return row as { orders: number; pending: number; jobs: number };
}

describe("rate limits", () => {
  it("stop a shopper who presses Buy like a script with 429 and Retry-After, and let them back after it", async () => {
    const { id } = await sale();
    const cookie = await shopper();
    const answers = [];
    for (let i = 0; i < 40; i++) answers.push(await buy(id, cookie));
    // A human's pace: the first fifteen presses (5 a second plus a burst of 10) all get their order.
    expect(answers.slice(0, 15).map((a) => a.status)).toEqual([202, ...Array(14).fill(200)]);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const a of limited) {
      expect(a.json).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });
      const retryAfter = Number(a.headers.get("retry-after"));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10).toBe(true);
    }
    const last = limited.at(-1)!;
    await sleep(Number(last.headers.get("retry-after")) * 1000 + 50);
    const after = await buy(id, cookie);
    expect(after.status).toBe(200);
    expect(after.json.order.id).toBe(answers[0]!.json.order.id);
    expect(await counts(id)).toMatchObject({ orders: 1, jobs: 1 });
  });

  it("limit one client address across shoppers, and not other addresses", async () => {
    const { id } = await sale();
    const shoppers = await Promise.all(Array.from({ length: 5 }, () => shopper()));
    const fromOne = { [CLIENT_IP_HEADER]: "203.0.113.7" };
    const statuses = [];
    for (const cookie of shoppers.slice(0, 4)) statuses.push((await buy(id, cookie, { headers: fromOne })).status);
    expect(statuses.slice(0, 3)).toEqual([202, 202, 202]);
    expect(statuses[3]).toBe(429);
    expect((await buy(id, shoppers[4]!, { headers: { [CLIENT_IP_HEADER]: "198.51.100.8" } })).status).toBe(202);
    // The rejected shopper changed nothing and gets in once the address's bucket refills.
    expect(await counts(id)).toMatchObject({ orders: 4, jobs: 4 });
    await sleep(1100);
    expect((await buy(id, shoppers[3]!, { headers: fromOne })).status).toBe(202);
  });

  it("limit shopper sign-ins per client address", async () => {
    const from = { [CLIENT_IP_HEADER]: "192.0.2.44" };
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await call(session.POST, "/api/session", { method: "POST", headers: from, body: { email: `login-${i}-${Date.now()}@example.com` } });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.json).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const [row] = await db.sql`SELECT count(*)::int AS n FROM users WHERE email LIKE 'login-3-%'`;
    expect(row!.n).toBe(0);
  });
  it("come after the sale checks and the sold-out fast path: a shopper pressing Buy on a closed sale is told why, never 429", async () => {
    const soldOut = await sale();
    await db.sql`UPDATE sales SET remaining = 0 WHERE id = ${soldOut.id}`;
    const ended = await createSale({ name: "Ended", priceCents: 1000, originalPriceCents: 2000, stock: 10, startsAt: new Date(Date.now() - 2 * hour), endsAt: new Date(Date.now() - hour) });
    const notStarted = await createSale({ name: "Later", priceCents: 1000, originalPriceCents: 2000, stock: 10, startsAt: new Date(Date.now() + hour), endsAt: new Date(Date.now() + 2 * hour) });
    const cookie = await shopper();
    const expected: [string, number, string][] = [
      [soldOut.id, 410, "sold_out"],
      [ended.id, 409, "sale_ended"],
      [notStarted.id, 409, "sale_not_started"],
      ["00000000-0000-4000-8000-0000000000aa", 404, "sale_not_found"],
    ];
    // Twenty presses each, past the shopper's 15 (5 a second plus a burst of 10).
    for (const [saleId, status, code] of expected) {
      for (let i = 0; i < 20; i++) {
        const res = await buy(saleId, cookie);
        expect([res.status, res.json.error?.code]).toEqual([status, code]);
      }
    }
    // None of those spent the shopper's budget: a Buy on a live sale goes through.
    expect((await buy((await sale()).id, cookie)).status).toBe(202);
  });
});

describe("a transaction left open on a shopper's order", () => {
  it("holds only that shopper's repeat clicks, each for the admission's lock timeout, then 503; other shoppers get in meanwhile", async () => {
    const [first, other] = [await sale(), await sale()];
    const [held, bystander] = [await shopper(), await shopper()];
    const placed = await buy(first.id, held);
    expect(placed.status).toBe(202);
    // Another session changes the held shopper's order and leaves its transaction open for 9 s.
    const session = await holdRowLock(db.url, (tx) => tx`UPDATE orders SET updated_at = now() WHERE id = ${placed.json.order.id} RETURNING pg_backend_pid() AS pid`);
    const releaseAt = Date.now() + 9000;
    const timer = setTimeout(() => void session.release(), 9000);
    const warn = vi.spyOn(log, "warn");
    try {
      // Two repeat clicks take both admission statements' places; a new shopper's Buy comes after them.
      const repeats = [buy(first.id, held), sleep(50).then(() => buy(first.id, held))];
      await sleep(200);
      const newcomer = await buy(other.id, bystander);
      expect(newcomer.status).toBe(202);
      expect(Date.now()).toBeLessThan(releaseAt);
      for (const repeat of await Promise.all(repeats)) {
        expect([repeat.status, repeat.json.error?.code, repeat.headers.get("retry-after")]).toEqual([503, "unavailable", "2"]);
      }
      // The operator's log names a lock wait, not an outage.
      const lines = warn.mock.calls.filter(([, msg]) => typeof msg === "string" && msg.startsWith("database"));
      expect(lines.map(([fields, msg]) => [(fields as { code?: string }).code, msg])).toEqual([
        ["55P03", "database lock wait timed out"],
        ["55P03", "database lock wait timed out"],
      ]);
    } finally {
      warn.mockRestore();
      clearTimeout(timer);
      await session.release();
    }
    // Once the transaction ends, the repeat click gets the shopper's order, and nothing was doubled.
    const again = await buy(first.id, held);
    expect([again.status, again.json.order.id]).toEqual([200, placed.json.order.id]);
    expect(await counts(first.id)).toMatchObject({ orders: 1, jobs: 1 });
    expect(await counts(other.id)).toMatchObject({ orders: 1, jobs: 1 });
  });
});

describe("Idempotency-Key", () => {
  /** Two live sales, and a shopper who bought in the first with a key. */
  async function boughtWithKey(tag: string) {
    const [a, b] = [await sale(), await sale()];
    const cookie = await shopper();
    const key = { "idempotency-key": `${tag}-${Date.now()}` };
    const first = await buy(a.id, cookie, { headers: key });
    expect(first.status).toBe(202);
    return { a, b, cookie, key, first };
  }

  it("returns the first answer for a retry, whatever the body, and never makes a second order", async () => {
    const { a, b, cookie, key, first } = await boughtWithKey("buy");

    const retry = await buy(a.id, cookie, { headers: key, body: { note: "a different body", items: [1, 2, 3] } });
    expect(retry.status).toBe(202);
    expect(retry.json.order.id).toBe(first.json.order.id);
    expect(retry.json.order.saleId).toBe(a.id);
    expect(retry.headers.get("location")).toBe(first.headers.get("location"));
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await counts(a.id)).toMatchObject({ orders: 1, jobs: 1 });

    // Once the sale is sold out, the retry still gets its order, and so does a repeat click from a new
    // page view (a new key); a Buy without any key is told sold out (that path reads nothing).
    await db.sql`UPDATE sales SET remaining = 0 WHERE id = ${a.id}`;
    await sleep(1100);
    expect((await buy(a.id, cookie, { headers: key })).json.order.id).toBe(first.json.order.id);
    const newPageView = await buy(a.id, cookie, { headers: { "idempotency-key": `page-${Date.now()}` } });
    expect(newPageView.status).toBe(200);
    expect(newPageView.json.order.id).toBe(first.json.order.id);
    expect((await buy(a.id, cookie)).status).toBe(410);

    // Keys belong to a shopper: someone else's identical key is a new order of their own.
    const other = await buy(b.id, await shopper(), { headers: key });
    expect(other.status).toBe(202);
    expect(other.json.order.id).not.toBe(first.json.order.id);
  });

  it("refuses a key already used in another sale with 400, changing nothing, whether or not the shopper has an order in this one", async () => {
    const { a, b, cookie, key } = await boughtWithKey("elsewhere");
    const refused = await buy(b.id, cookie, { headers: key });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({ error: { code: "invalid_request", message: expect.stringMatching(/Idempotency-Key .*another sale/) } });
    expect(await counts(b.id)).toMatchObject({ orders: 0, jobs: 0 });

    // With an order of the shopper's own in this sale (placed without a key), the key is still not a retry here.
    expect((await buy(b.id, cookie)).status).toBe(202);
    const again = await buy(b.id, cookie, { headers: key });
    expect(again.status).toBe(400);
    expect(again.json.error.code).toBe("invalid_request");
    expect(await counts(a.id)).toMatchObject({ orders: 1, jobs: 1 });
    expect(await counts(b.id)).toMatchObject({ orders: 1, jobs: 1 });

    // Also once this sale is sold out, where the key's lookup is the only read.
    await db.sql`UPDATE sales SET remaining = 0 WHERE id = ${b.id}`;
    await sleep(1100);
    expect((await buy(b.id, cookie, { headers: key })).status).toBe(400);
  });

  it("makes one order from many concurrent retries", async () => {
    const { id } = await sale();
    const cookie = await shopper();
    const key = { "idempotency-key": `storm-${Date.now()}` };
    const answers = await Promise.all(Array.from({ length: 10 }, () => buy(id, cookie, { headers: key })));
    expect(new Set(answers.map((a) => a.json.order.id)).size).toBe(1);
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === null)).toHaveLength(1);
    expect(await counts(id)).toMatchObject({ orders: 1, jobs: 1 });
  });
});

describe("the admission gate", () => {
  it("admits at most 50 × (1 + slack) pending orders on a 50-unit sale and tells the rest of 1,000 shoppers sold out at once", async () => {
    const { id } = await sale(50);
    const cookies = await pool(Array.from({ length: 1000 }, () => () => shopper()), 20);
    const answers = await pool(cookies.map((cookie) => () => buy(id, cookie)), 50);
    const byStatus = new Map<number, number>();
    for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    // Default slack 0.1: 55 orders may wait for 50 units; no worker runs, so all stay pending.
    expect(Object.fromEntries(byStatus)).toEqual({ 202: 55, 410: 945 });
    for (const a of answers.filter((x) => x.status === 410)) {
      expect(a.json).toEqual({ error: { code: "sold_out", message: expect.any(String) } });
    }
    expect(await counts(id)).toEqual({ orders: 55, pending: 55, jobs: 55 });
    // A shopper already in line who clicks again is shown their order, not told sold out.
    const admitted = answers.findIndex((a) => a.status === 202);
    const again = await buy(id, cookies[admitted]!);
    expect(again.status).toBe(200);
    expect(again.json.order.id).toBe(answers[admitted]!.json.order.id);
    // The stock itself is untouched until a worker allocates.
    const [row] = await db.sql`SELECT remaining FROM sales WHERE id = ${id}`;
    expect(row!.remaining).toBe(50);
  });

  it("does not tell a shopper the last units are taken while only another shopper's repeat clicks are in flight", async () => {
    const { id } = await sale(2);
    const [eager, other] = [await shopper(), await shopper()];
    // Eight clicks from one shopper, and one from another, all at once: one order each.
    const answers = await Promise.all([...Array.from({ length: 8 }, () => buy(id, eager)), buy(id, other)]);
    const eagerAnswers = answers.slice(0, 8);
    expect(eagerAnswers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 202]);
    expect(new Set(eagerAnswers.map((a) => a.json.order.id)).size).toBe(1);
    expect(answers[8]!.status).toBe(202);
    expect(answers[8]!.json.order.id).not.toBe(eagerAnswers[0]!.json.order.id);
    expect(await counts(id)).toEqual({ orders: 2, pending: 2, jobs: 2 });
    // Both units are spoken for now: a third shopper is told so.
    const third = await buy(id, await shopper());
    expect(third.status).toBe(410);
    expect(third.json.error.code).toBe("sold_out");
  });

  it("answers every concurrent retry of one Buy with its order on a sale's last unit", async () => {
    const { id } = await sale(1);
    const cookie = await shopper();
    const key = { "idempotency-key": `last-unit-${Date.now()}` };
    const answers = await Promise.all(Array.from({ length: 6 }, () => buy(id, cookie, { headers: key })));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.json.order.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(5);
    expect(await counts(id)).toEqual({ orders: 1, pending: 1, jobs: 1 });
  });
});
