import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { ACCEPTABLE_WAIT_SECONDS, admissionCap, backlogStatus, DEFAULT_DRAIN_PER_SECOND, isVisible, parsePgSnapshot, reserveAdmission } from "./admission";
import { admitBatch } from "./group-admission";
import { allocateOrders } from "./allocation";
import { placeOrder } from "./orders";
import { useTestDatabase } from "./testing/database";
import { liveSale } from "./testing/live-sale";
import { upsertUserByEmail } from "./users";

// The bound sized from the drain rate, not fixed by the environment.
delete process.env.ORDER_BACKLOG_MAX;
const db = useTestDatabase();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The status once a count taken after now has landed (a recent one is served while it refreshes). */
async function freshStatus() {
  await sleep(300);
  await backlogStatus();
  await sleep(100);
  return backlogStatus();
}

/**
 * Resolves once both statements of a backlog count asked for after `since` (the pending orders and the
 * workers' drain rate) have come back from Postgres: their sessions are idle again, the count's
 * statements the last they ran.
 */
async function countsBackSince(since: Date) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [row] = await db.sql`
      SELECT coalesce(bool_or(query LIKE '%pg_current_snapshot()%') AND bool_or(query LIKE '%worker_metrics%'), false) AS back
      FROM pg_stat_activity
      WHERE state = 'idle' AND state_change > ${since} AND query NOT LIKE '%pg_stat_activity%'`;
    if (row!.back) return;
    await sleep(2);
  }
  throw new Error("the backlog count did not come back within 10 s");
}

describe("the backlog bound", () => {
  it("is the workers' measured drain rate × the wait a shopper accepts, with a floor, and a default before any measurement", async () => {
    expect(await backlogStatus()).toMatchObject({ bound: DEFAULT_DRAIN_PER_SECOND * ACCEPTABLE_WAIT_SECONDS, isMeasured: false, depth: 0 });

    // Two live workers report 1,800 and 1,200 orders a second: 3,000 a second drains 6,000 in 2 s.
    await db.sql`INSERT INTO worker_metrics (instance, metrics, drain_per_second) VALUES ('w1', '[]', 1800), ('w2', '[]', 1200)`;
    expect(await freshStatus()).toMatchObject({ bound: 6000, drainPerSecond: 3000, isMeasured: true });

    // A worker that stopped reporting no longer counts; a slow measurement keeps the floor.
    await db.sql`UPDATE worker_metrics SET updated_at = now() - interval '1 minute' WHERE instance = 'w1'`;
    await db.sql`UPDATE worker_metrics SET drain_per_second = 100 WHERE instance = 'w2'`;
    expect(await freshStatus()).toMatchObject({ bound: 1000, drainPerSecond: 100 });
  });
});

describe("the admission gate's cap", () => {
  it("is remaining × (1 + slack), never below remaining", () => {
    expect(admissionCap(50, 0.1)).toBe(55);
    expect(admissionCap(300, 0.1)).toBe(330);
    expect(admissionCap(3, 0.1)).toBe(3);
    expect(admissionCap(1, 0)).toBe(1);
    expect(admissionCap(300, 3)).toBe(1200);
  });
});

describe("the backlog count's snapshot", () => {
  it("tells which committed admissions a count already saw, from Postgres's own snapshot", async () => {
    // Commit one transaction before a snapshot and keep one open across it.
    const [before] = await db.sql`SELECT pg_current_xact_id()::text AS xid`;
    let during = "";
    let taken = "";
    await db.sql.begin(async (tx) => {
      const [row] = await tx`INSERT INTO worker_metrics (instance, metrics) VALUES ('snapshot-test', '[]') RETURNING pg_current_xact_id()::text AS xid`;
      during = row!.xid;
      const [snap] = await db.sql`SELECT pg_current_snapshot()::text AS s`;
      taken = snap!.s;
    });
    const [after] = await db.sql`SELECT pg_current_xact_id()::text AS xid`;
    const snapshot = parsePgSnapshot(taken);
    expect(isVisible(BigInt(before!.xid), snapshot)).toBe(true);
    expect(isVisible(BigInt(during), snapshot)).toBe(false);
    expect(isVisible(BigInt(after!.xid), snapshot)).toBe(false);
  });
});

describe("the admission gate at a sale's tail", () => {
  it("admits every shopper a unit is left for while the worker sells the units ahead of them", async () => {
    const sale = await liveSale({ name: "Tail", priceCents: 500, originalPriceCents: 500, stock: 20 });
    const users = await Promise.all(Array.from({ length: 20 }, (_, i) => upsertUserByEmail({ email: `tail-${i}@example.com` })));
    const first = await Promise.all(users.slice(0, 10).map((u) => placeOrder({ saleId: sale.id, userId: u.id })));
    expect(first.every((r) => r.isNew)).toBe(true);

    // The gate counts 10 pending; then the worker sells those 10 units before its next count.
    await freshStatus();
    expect(await allocateOrders(first.map((r) => r.order.id))).toMatchObject({ completed: 10 });

    // Ten shoppers buy, with the sale read afresh (10 left) while the gate still holds that count:
    // there is a unit for each of them.
    const later = await Promise.all(users.slice(10).map((u) => placeOrder({ saleId: sale.id, userId: u.id, now: Date.now() + 1500 }).then(
      (r) => (r.isNew ? "admitted" : "repeat"),
      (err: { code?: string }) => err.code,
    )));
    expect(later).toEqual(Array(10).fill("admitted"));
  });

  it("does not count an admission twice when a fresh count lands between its commit and its answer", async () => {
    // Two units, so a cap of two pending: one shopper in line leaves room for one more.
    const sale = await liveSale({ name: "Between", priceCents: 500, originalPriceCents: 500, stock: 2 });
    const a = await upsertUserByEmail({ email: "between-a@example.com" });
    // A's admission: reserved, then committed, but its answer not yet handled by this process.
    const reservedA = await reserveAdmission({ saleId: sale.id, remaining: 2 });
    const [admittedA] = await admitBatch([{ id: randomUUID(), saleId: sale.id, userId: a.id, idempotencyKey: null }]);
    expect(admittedA).not.toBeNull();
    // B comes once the count is stale: the fresh count sees A pending, while A is still in flight.
    await sleep(300);
    const [{ since }] = (await db.sql`SELECT clock_timestamp() AS since`) as unknown as [{ since: Date }];
    const reservingB = reserveAdmission({ saleId: sale.id, remaining: 2 }).then(
      (r) => (r.settle(null), "admitted"),
      (err: { code?: string }) => err.code,
    );
    // A's answer is handled only once that count is back, however long it took.
    await countsBackSince(since);
    reservedA.settle(admittedA!.xid);
    expect(await reservingB).toBe("admitted");
  });
});

describe("the count a Buy is judged on", () => {
  it("is never more than 250 ms old: orders another web process admitted a moment ago are counted", async () => {
    const sale = await liveSale({ name: "Seen", priceCents: 500, originalPriceCents: 500, stock: 5 });
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => upsertUserByEmail({ email: `seen-${i}@example.com` })));
    // This process counts: nobody is in the sale's line yet.
    await freshStatus();
    // Another web process admits five shoppers, orders this process's own tally of admissions never saw.
    await db.sql`INSERT INTO orders (id, sale_id, user_id) SELECT gen_random_uuid(), ${sale.id}, id FROM users WHERE email LIKE 'seen-%' AND email <> 'seen-5@example.com'`;
    await sleep(300);
    // The sixth shopper is judged on a count that includes them: every unit is spoken for.
    await expect(placeOrder({ saleId: sale.id, userId: users[5]!.id })).rejects.toMatchObject({ code: "sold_out" });
  });
});
