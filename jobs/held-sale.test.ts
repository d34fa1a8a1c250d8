import type { ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { WORKER_LOCK_TIMEOUT_MS } from "@/db/client";
import { saleCounts } from "@/db/testing/counts";
import { useTestDatabase } from "@/db/testing/database";
import { holdRowLock, holdSaleRow, type RowLock } from "@/db/testing/held-work";
import { liveSale } from "@/db/testing/live-sale";
import { startWorker, stopProcess, waitFor } from "@/db/testing/processes";
import { buy, signInShoppers } from "@/db/testing/shoppers";
import * as status from "@/app/api/admin/orders/[id]/status/route";
import { signInAdmin } from "@/db/testing/admin";
import { call } from "@/db/testing/http";
import { ORDER_STATUS_DEAD, PLACE_ORDER, PLACE_ORDER_DEAD } from "./queues";

// An operator's transaction left open on a sale's row or on one order (a psql session that updated
// it and never committed) holds what it locked, and only that: the worker's batches mix the orders
// of every live sale, and everything else in them is settled meanwhile.

// Every Buy is admitted before the worker starts (no drain rate measured yet to size the bound from).
process.env.ORDER_ADMISSION_SLACK = "10";
process.env.ORDER_BACKLOG_MAX = "100000";

const PER_SALE = 6;
const STOCK = 10;

const db = useTestDatabase();
let worker: ChildProcess | undefined;

afterEach(async () => {
  if (worker) await stopProcess(worker, "SIGKILL");
  worker = undefined;
});

const saleNamed = (name: string) => liveSale({ name, stock: STOCK });

let shoppers = 0;
/** Shoppers buy, one order each, in turn across the sales; returns each sale's order ids in the order they were placed. */
async function buyInTurn(sales: { id: string }[], perSale: number): Promise<Map<string, string[]>> {
  const cookies = await signInShoppers(sales.length * perSale, `held-${shoppers++}`);
  const ids = new Map(sales.map((s) => [s.id, [] as string[]]));
  for (const [i, cookie] of cookies.entries()) {
    const sale = sales[i % sales.length]!;
    const res = await buy(sale.id, cookie);
    expect(res.status).toBe(202);
    ids.get(sale.id)!.push(res.json!.order.id as string);
  }
  return ids;
}

const pendingOf = async (saleId: string) => (await saleCounts(db.sql, saleId)).pending;
const finalWithin = (saleId: string, ms: number, what: string) => waitFor(async () => ((await pendingOf(saleId)) === 0 ? true : undefined), ms, what);

/** Place-order jobs of these orders failed back for a lock (the reason the admin's Dead letters page would show), waiting for another attempt. */
async function retriedJobs(orderIds: string[]): Promise<number> {
  const [row] = await db.sql`
    SELECT count(*)::int AS n FROM pgboss.job
    WHERE name = ${PLACE_ORDER} AND data->>'orderId' = ANY(${orderIds}::text[]) AND state = 'retry' AND output->>'reason' = 'lock_timeout'`;
  return row!.n as number;
}

/** Holds `lock` while the worker starts and `whileHeld` runs; then lets it go. */
async function withWorkerUnder(lock: RowLock, whileHeld: () => Promise<void>): Promise<void> {
  try {
    worker = startWorker(db.url);
    await whileHeld();
  } finally {
    await lock.release();
  }
}

async function deadLetters(): Promise<number> {
  const [row] = await db.sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${PLACE_ORDER_DEAD}`;
  return row!.n as number;
}

describe("a lock another transaction holds", () => {
  it("on a sale's row holds that sale's orders only: another sale's, fetched in the same batches, become final; the held sale's once the lock goes", async () => {
    const held = await saleNamed("Held sale");
    const free = await saleNamed("Free sale");
    // Both sales' orders are in line before the worker starts, so its first batch holds them all.
    const ids = await buyInTurn([held, free], PER_SALE);

    await withWorkerUnder(await holdSaleRow(db.url, held.id), async () => {
      await finalWithin(free.id, 30_000, "the free sale's orders to be final while the other sale's row is held");
      expect(await saleCounts(db.sql, free.id)).toMatchObject({ completed: PER_SALE, pending: 0, remaining: STOCK - PER_SALE });
      // The held sale's jobs are not stuck in the worker either: each attempt gives up on the lock and
      // fails them back for a retry with backoff.
      await waitFor(async () => ((await retriedJobs(ids.get(held.id)!)) === PER_SALE ? true : undefined), 30_000, "the held sale's jobs to be failed back for a retry");
      expect(await pendingOf(held.id)).toBe(PER_SALE);
      // Both sales keep selling: the worker, knowing the held sale's row held, settles the other sale's
      // new orders without first waiting out its lock timeout (5 s) on a batch shared with the held
      // sale's. Without that, they are final 5 s after their batch is fetched at the earliest; with it,
      // within a fetch or two (a worker's slots may each be busy meanwhile with a retry of the held
      // sale's orders, which waits up to 2 s for its row), which a loaded machine stretches.
      const wave = await buyInTurn([held, free], 2);
      const waveStarted = Date.now();
      await waitFor(async () => ((await pendingOf(free.id)) === 0 ? true : undefined), 30_000, "the free sale's new orders to be final");
      expect(Date.now() - waveStarted, "the free sale's new orders final within").toBeLessThan(WORKER_LOCK_TIMEOUT_MS - 1_000);
      expect(await pendingOf(held.id)).toBe(PER_SALE + wave.get(held.id)!.length);
    });
    await finalWithin(held.id, 30_000, "the held sale's orders to be final once the lock went");
    expect(await saleCounts(db.sql, held.id)).toMatchObject({ completed: PER_SALE + 2, pending: 0, remaining: STOCK - PER_SALE - 2 });
    expect(await deadLetters()).toBe(0);
  });

  it("on the rows of many sales at once (an UPDATE of every sale left uncommitted): one batch waits on them within its jobs' expiry, so a free sale's orders are final on their first attempt", async () => {
    const held = await Promise.all(Array.from({ length: 6 }, (_, i) => saleNamed(`Held sale ${i + 1}`)));
    const free = await saleNamed("Free sale");
    // Every sale's orders in line before the worker starts, the free sale's last in the batch.
    const ids = await buyInTurn([...held, free], 1);
    const heldIds = held.flatMap((sale) => ids.get(sale.id)!);
    const locks = await Promise.all(held.map((sale) => holdSaleRow(db.url, sale.id)));
    try {
      worker = startWorker(db.url);
      await waitFor(async () => ((await retriedJobs(heldIds)) === heldIds.length ? true : undefined), 30_000, "every held sale's job to be failed back for its lock");
      await finalWithin(free.id, 30_000, "the free sale's order to be final");
      // Settled in the batch's first attempt: pg-boss did not fail the batch for outliving its jobs'
      // expiry (15 s: 5 s for the batch's statement, then 2 s for each held sale's, took 17).
      // The order is final when the batch's transaction commits; pg-boss records its job's end just
      // after, so the job is read once it has left 'active'.
      const job = await waitFor(async () => {
        const [row] = await db.sql`SELECT state, retry_count FROM pgboss.job WHERE name = ${PLACE_ORDER} AND data->>'orderId' = ${ids.get(free.id)![0]!}`;
        return row && row.state !== "active" ? row : undefined;
      }, 10_000, "the free sale's job to end");
      expect(job).toEqual({ state: "completed", retry_count: 0 });
    } finally {
      for (const lock of locks) await lock.release();
    }
    for (const sale of held) await finalWithin(sale.id, 30_000, "the held sales' orders to be final once the locks went");
    expect(await deadLetters()).toBe(0);
  });

  it("on one order holds that order only: the rest of its sale's batch becomes final, the held one once the lock goes", async () => {
    const sale = await saleNamed("One order held");
    const orderIds = (await buyInTurn([sale], PER_SALE)).get(sale.id)!;
    const heldId = orderIds[0]!;
    const status = async (id: string) => ((await db.sql`SELECT status FROM orders WHERE id = ${id}`)[0]!.status as string);

    const lock = await holdRowLock(db.url, (tx) => tx`SELECT pg_backend_pid() AS pid FROM orders WHERE id = ${heldId} FOR UPDATE`);
    await withWorkerUnder(lock, async () => {
      await waitFor(async () => ((await pendingOf(sale.id)) === 1 ? true : undefined), 30_000, "every order but the held one to be final");
      expect(await status(heldId)).toBe("pending");
      await waitFor(async () => ((await retriedJobs([heldId])) === 1 ? true : undefined), 30_000, "the held order's job to be failed back for a retry");
      expect(await retriedJobs(orderIds.slice(1))).toBe(0);
    });
    await finalWithin(sale.id, 30_000, "the held order to be final once the lock went");
    expect(await saleCounts(db.sql, sale.id)).toMatchObject({ completed: PER_SALE, pending: 0, remaining: STOCK - PER_SALE });
    expect(await deadLetters()).toBe(0);
  });

  it("on an order delays the admin's Ship: the change's attempt gives up on the lock and is retried, and applied once the lock goes", async () => {
    const sale = await saleNamed("Ship held");
    const [orderId] = (await buyInTurn([sale], 1)).get(sale.id)!;
    worker = startWorker(db.url);
    await finalWithin(sale.id, 20_000, "the order to be allocated");
    const admin = await signInAdmin();

    const lock = await holdRowLock(db.url, (tx) => tx`SELECT pg_backend_pid() AS pid FROM orders WHERE id = ${orderId!} FOR UPDATE`);
    let jobId: string;
    try {
      const res = await call(status.PUT, `/api/admin/orders/${orderId}/status`, { method: "PUT", params: { id: orderId! }, body: { status: "shipped" }, cookie: admin });
      expect(res.status).toBe(202);
      jobId = res.json.jobId as string;
      const retried = async () => (await db.sql`SELECT 1 FROM pgboss.job WHERE id = ${jobId} AND state = 'retry' AND output->>'reason' = 'lock_timeout'`).length === 1;
      await waitFor(async () => ((await retried()) ? true : undefined), 30_000, "the change's first attempt to give up on the lock and wait for a retry");
      expect((await db.sql`SELECT status FROM orders WHERE id = ${orderId!}`)[0]!.status).toBe("completed");
    } finally {
      await lock.release();
    }
    await waitFor(async () => ((await db.sql`SELECT status FROM orders WHERE id = ${orderId!}`)[0]!.status === "shipped" ? true : undefined), 30_000, "the change to be applied once the lock went");
    const [dead] = await db.sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${ORDER_STATUS_DEAD}`;
    expect(dead!.n).toBe(0);
  });

  it("on several orders the admin ships at once: one batch of their changes gives up on each within the queue's expiry, each failed for its lock, and all applied once the lock goes", async () => {
    const HELD = 8;
    const sale = await saleNamed("Ship many held");
    const orderIds = (await buyInTurn([sale], HELD)).get(sale.id)!;
    worker = startWorker(db.url);
    await finalWithin(sale.id, 20_000, "the orders to be allocated");
    // The changes wait for a worker that is not running, so the next one fetches them in one batch.
    await stopProcess(worker, "SIGKILL");
    const admin = await signInAdmin();

    const lock = await holdRowLock(db.url, (tx) => tx`SELECT pg_backend_pid() AS pid FROM orders WHERE id = ANY(${orderIds}::uuid[]) FOR UPDATE`);
    const jobIds: string[] = [];
    for (const orderId of orderIds) {
      const res = await call(status.PUT, `/api/admin/orders/${orderId}/status`, { method: "PUT", params: { id: orderId }, body: { status: "shipped" }, cookie: admin });
      expect(res.status).toBe(202);
      jobIds.push(res.json.jobId as string);
    }
    // A job whose attempt failed waits as 'retry' until fetched again (its retry_count then 1).
    const firstAttempts = async () =>
      (await db.sql`SELECT output FROM pgboss.job WHERE id = ANY(${jobIds}::uuid[]) AND (state = 'retry' OR retry_count >= 1)`) as unknown as { output: { reason?: string; value?: { message?: string } } | null }[];
    await withWorkerUnder(lock, async () => {
      // Every change's first attempt ends, each for the lock (a batch that outlives the queue's 30 s
      // expiry is failed whole by pg-boss instead: "handler execution exceeded 30s").
      await waitFor(async () => ((await firstAttempts()).length === HELD ? true : undefined), 25_000, "every change's first attempt to give up on the lock");
      const outputs = (await firstAttempts()).map((job) => job.output?.reason ?? job.output?.value?.message ?? JSON.stringify(job.output));
      expect(outputs).toEqual(Array(HELD).fill("lock_timeout"));
      expect((await db.sql`SELECT count(*)::int AS n FROM orders WHERE id = ANY(${orderIds}::uuid[]) AND status = 'completed'`)[0]!.n).toBe(HELD);
    });
    await waitFor(
      async () => ((await db.sql`SELECT count(*)::int AS n FROM orders WHERE id = ANY(${orderIds}::uuid[]) AND status = 'shipped'`)[0]!.n === HELD ? true : undefined),
      30_000,
      "every change to be applied once the lock went",
    );
    const [dead] = await db.sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${ORDER_STATUS_DEAD}`;
    expect(dead!.n).toBe(0);
  });
});
