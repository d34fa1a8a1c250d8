import { describe, expect, it } from "vitest";
import type { Job } from "pg-boss";
import { createBoss } from "@/jobs/boss";
import { handler as placeOrderHandler } from "@/jobs/place-order";
import { PLACE_ORDER, PLACE_ORDER_DEAD, type PlaceOrderJob } from "@/jobs/queues";
import { allocateOrders } from "./allocation";
import { placeOrder } from "./orders";
import { useTestDatabase } from "./testing/database";
import { holdRowLock } from "./testing/held-work";
import { liveSale } from "./testing/live-sale";
import { startWorker, stopProcess, waitFor } from "./testing/processes";
import { upsertUserByEmail } from "./users";

// These tests place more orders than there are units, to see allocation fail the surplus: the
// admission gate (remaining × (1 + slack) pending per sale) is opened wide so every order gets in.
process.env.ORDER_ADMISSION_SLACK = "10";

const db = useTestDatabase();

let shopperCount = 0;
async function saleWithOrders(stock: number, orderCount: number) {
  const sale = await liveSale({ name: `Allocation ${stock}/${orderCount}`, priceCents: 500, originalPriceCents: 500, stock });
  const orderIds: string[] = [];
  for (let i = 0; i < orderCount; i++) {
    const user = await upsertUserByEmail({ email: `alloc-${shopperCount++}@example.com` });
    orderIds.push((await placeOrder({ saleId: sale.id, userId: user.id })).order.id);
  }
  return { sale, orderIds };
}

/** Everything allocation may change, for a before/after comparison. */
async function state(saleId: string) {
  const orders = await db.sql`SELECT id, status, failure_reason, updated_at FROM orders WHERE sale_id = ${saleId} ORDER BY seq`;
  const [sale] = await db.sql`SELECT remaining FROM sales WHERE id = ${saleId}`;
  return { remaining: sale!.remaining as number, orders: orders.map((o) => ({ ...o })) };
}

describe("allocateOrders", () => {
  it("fills the oldest orders first and fails the rest as sold out", async () => {
    const { sale, orderIds } = await saleWithOrders(2, 3);
    // The batch order does not matter: arrival order does.
    expect(await allocateOrders([...orderIds].reverse())).toEqual({ completed: 2, failed: 1, skipped: 0, missing: [], held: [] });
    const after = await state(sale.id);
    expect(after.remaining).toBe(0);
    expect(after.orders.map((o) => [o.id, o.status, o.failure_reason])).toEqual([
      [orderIds[0], "completed", null],
      [orderIds[1], "completed", null],
      [orderIds[2], "failed", "sold_out"],
    ]);
  });

  it("changes nothing when the same batch is allocated again after it committed", async () => {
    const { sale, orderIds } = await saleWithOrders(1, 2);
    await allocateOrders(orderIds);
    const before = await state(sale.id);
    expect(await allocateOrders(orderIds)).toEqual({ completed: 0, failed: 0, skipped: 2, missing: [], held: [] });
    expect(await state(sale.id)).toEqual(before);
  });

  it("gives each unit once when two workers allocate the same orders at the same moment", async () => {
    const { sale, orderIds } = await saleWithOrders(3, 5);
    const results = await Promise.all([allocateOrders(orderIds), allocateOrders(orderIds)]);
    expect(results.reduce((n, r) => n + r.completed, 0)).toBe(3);
    expect(results.reduce((n, r) => n + r.failed, 0)).toBe(2);
    const after = await state(sale.id);
    expect(after.remaining).toBe(0);
    expect(after.orders.filter((o) => o.status === "completed")).toHaveLength(3);
  });

  it("settles a batch that spans several sales, each against its own stock", async () => {
    const a = await saleWithOrders(1, 2);
    const b = await saleWithOrders(5, 2);
    expect(await allocateOrders([...a.orderIds, ...b.orderIds])).toEqual({ completed: 3, failed: 1, skipped: 0, missing: [], held: [] });
    expect((await state(a.sale.id)).remaining).toBe(0);
    expect((await state(b.sale.id)).remaining).toBe(3);
  });

  it("with skipLocked, leaves an order another transaction holds pending with its place in line kept, names it held, and settles the rest in arrival order", async () => {
    const { sale, orderIds } = await saleWithOrders(2, 4);
    // An operator's session that changed the oldest order and never committed.
    const lock = await holdRowLock(db.url, (tx) => tx`SELECT pg_backend_pid() AS pid FROM orders WHERE id = ${orderIds[0]!} FOR UPDATE`);
    try {
      // Two units: one kept for the held order, first in line; the next order gets the other.
      expect(await allocateOrders(orderIds, { skipLocked: true })).toEqual({ completed: 1, failed: 2, skipped: 0, missing: [], held: [orderIds[0]] });
    } finally {
      await lock.release();
    }
    let after = await state(sale.id);
    expect(after.remaining).toBe(1);
    expect(after.orders.map((o) => o.status)).toEqual(["pending", "completed", "failed", "failed"]);
    // Once the lock is gone, the held order's next attempt takes the unit kept for it.
    expect(await allocateOrders(orderIds, { skipLocked: true })).toEqual({ completed: 1, failed: 0, skipped: 3, missing: [], held: [] });
    after = await state(sale.id);
    expect(after.remaining).toBe(0);
    expect(after.orders.map((o) => o.status)).toEqual(["completed", "completed", "failed", "failed"]);
  });

  it("with skipLocked, keeps no unit back for an order another worker is completing at that moment: the next in line gets it", async () => {
    const { sale, orderIds } = await saleWithOrders(2, 3);
    const [first, second, third] = orderIds as [string, string, string];
    // A second delivery of the first order's job, in another worker: it holds the order, has taken
    // its unit from the sale, and commits a moment after this allocation began.
    const other = await holdRowLock(db.url, async (tx) => {
      const rows = await tx`SELECT pg_backend_pid() AS pid FROM orders WHERE id = ${first} FOR UPDATE`;
      await tx`UPDATE sales SET remaining = remaining - 1 WHERE id = ${sale.id}`;
      await tx`UPDATE orders SET status = 'completed', updated_at = now() WHERE id = ${first}`;
      return rows;
    });
    const allocation = allocateOrders([first, second, third], { skipLocked: true });
    await new Promise((r) => setTimeout(r, 300));
    await other.release();
    expect(await allocation).toEqual({ completed: 1, failed: 1, skipped: 1, missing: [], held: [] });
    const after = await state(sale.id);
    expect(after.remaining).toBe(0);
    expect(after.orders.map((o) => [o.id, o.status])).toEqual([
      [first, "completed"],
      [second, "completed"],
      [third, "failed"],
    ]);
  });

  it("with skipLocked, gives up on a sale's row another transaction holds after a short wait, changing nothing", async () => {
    const { sale, orderIds } = await saleWithOrders(2, 2);
    const before = await state(sale.id);
    const lock = await holdRowLock(db.url, (tx) => tx`SELECT pg_backend_pid() AS pid FROM sales WHERE id = ${sale.id} FOR NO KEY UPDATE`);
    try {
      const started = performance.now();
      await expect(allocateOrders(orderIds, { skipLocked: true })).rejects.toMatchObject({ code: "55P03" });
      expect(performance.now() - started).toBeLessThan(4_000);
    } finally {
      await lock.release();
    }
    expect(await state(sale.id)).toEqual(before);
  });
});

describe("the place-order job", () => {
  it("changes nothing when pg-boss delivers the same jobs twice after their allocation committed", async () => {
    const { sale, orderIds } = await saleWithOrders(2, 4);
    const boss = createBoss("admin");
    await boss.start();
    try {
      const jobs = (await boss.fetch<PlaceOrderJob>(PLACE_ORDER, { batchSize: 100 })) as Job<PlaceOrderJob>[];
      const ours = jobs.filter((j) => j.data.saleId === sale.id);
      expect(ours.map((j) => j.data.orderId).sort()).toEqual([...orderIds].sort());
      expect(await placeOrderHandler(ours)).toEqual(ours.map((j) => ({ id: j.id, status: "completed" })));
      const once = await state(sale.id);
      expect(once.orders.filter((o) => o.status === "completed")).toHaveLength(2);
      // The crash window: allocation committed, the job never marked complete, so it comes again.
      expect(await placeOrderHandler(ours)).toEqual(ours.map((j) => ({ id: j.id, status: "completed" })));
      expect(await state(sale.id)).toEqual(once);
      await boss.complete(PLACE_ORDER, jobs.map((j) => j.id));
    } finally {
      await boss.stop({ graceful: false });
    }
  });
});

describe("poison jobs", () => {
  it("fails only the bad jobs of a batch: a malformed payload is dead-lettered, a missing order failed for retry", async () => {
    const { sale, orderIds } = await saleWithOrders(5, 2);
    const good = orderIds.map((orderId, i) => ({ id: `good-${i}`, data: { orderId, saleId: sale.id } }));
    const malformed = { id: "malformed", data: { orderId: "not-a-uuid" } };
    const missing = { id: "missing", data: { orderId: "00000000-0000-4000-8000-000000000000", saleId: sale.id } };
    const results = await placeOrderHandler([good[0]!, malformed, missing, good[1]!] as Job<unknown>[]);
    expect(Object.fromEntries(results.map((r) => [r.id, r.status]))).toEqual({ "good-0": "completed", "good-1": "completed", malformed: "deadletter", missing: "failed" });
    expect((await state(sale.id)).orders.every((o) => o.status === "completed")).toBe(true);
  });

  it("a worker process dead-letters a poison job and still allocates the orders queued beside it", async () => {
    const { sale, orderIds } = await saleWithOrders(5, 3);
    const boss = createBoss("admin");
    await boss.start();
    const worker = startWorker(db.url);
    try {
      const poisonId = await boss.send(PLACE_ORDER, { orderId: 42, note: "poison" });
      await waitFor(async () => {
        const [row] = await db.sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${PLACE_ORDER_DEAD} AND data->>'note' = 'poison'`;
        return row!.n === 1 ? true : undefined;
      }, 30_000, "the poison job in the dead-letter queue");
      await waitFor(async () => ((await state(sale.id)).orders.every((o) => o.status === "completed") ? true : undefined), 30_000, "the good orders to complete");
      const [poison] = await db.sql`SELECT state FROM pgboss.job WHERE id = ${poisonId!}`;
      expect(poison!.state).toBe("failed");
      expect((await state(sale.id)).remaining).toBe(5 - orderIds.length);
    } finally {
      expect(await stopProcess(worker)).toBe(0);
      await boss.stop({ graceful: false });
    }
  });
});
