import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { jobsForSale, saleCounts } from "@/db/testing/counts";
import { useTestDatabase } from "@/db/testing/database";
import { dropStatementsOfDeadClients, killMidBatch, redelivered, stillPending } from "@/db/testing/held-work";
import { liveSale } from "@/db/testing/live-sale";
import { pool, startWorker, stopProcess, waitFor } from "@/db/testing/processes";
import { buy, signInShoppers } from "@/db/testing/shoppers";

// The flash-sale storm: 1,000 shoppers each clicking Buy twice, all at once, on a 300-unit sale,
// drained by two real worker processes. Every accepted order must end final, with exactly the
// stock sold, and stay so when a worker is SIGKILLed in the middle of the drain.

// This test is about allocation: every shopper is admitted and allocation fails the surplus. So the
// admission gate (remaining × (1 + slack) pending per sale) is opened wide and the backlog bound lifted.
process.env.ORDER_ADMISSION_SLACK = "10";
process.env.ORDER_BACKLOG_MAX = "100000";

const SHOPPERS = 1000;
const STOCK = 300;
const IN_FLIGHT = 150;

const db = useTestDatabase();
const workers: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(workers.map((w) => stopProcess(w, "SIGKILL")));
});

async function storm(tag: string) {
  const sale = await liveSale({ name: `Storm ${tag}`, originalPriceCents: 5000, stock: STOCK });
  const cookies = await signInShoppers(SHOPPERS, tag);
  // Both clicks of every shopper, shuffled, so repeat clicks race their first click.
  const clicks = cookies.flatMap((cookie, shopper) => [{ cookie, shopper }, { cookie, shopper }]);
  for (let i = clicks.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [clicks[i], clicks[j]] = [clicks[j]!, clicks[i]!];
  }
  const started = performance.now();
  const answers = await pool(
    clicks.map(({ cookie, shopper }) => async () => {
      const res = await buy(sale.id, cookie);
      return { shopper, status: res.status, orderId: res.json?.order?.id as string | undefined };
    }),
    IN_FLIGHT,
  );
  const admitMs = performance.now() - started;
  return { sale, answers, admitMs };
}

const counts = (saleId: string) => saleCounts(db.sql, saleId);

async function drained(saleId: string, timeoutMs: number) {
  const started = performance.now();
  await waitFor(async () => ((await counts(saleId)).pending === 0 ? true : undefined), timeoutMs, "every order to be final");
  return performance.now() - started;
}

function expectAdmissions(answers: { shopper: number; status: number; orderId?: string }[]) {
  expect(answers.filter((a) => a.status !== 202 && a.status !== 200)).toEqual([]);
  expect(answers.filter((a) => a.status === 202)).toHaveLength(SHOPPERS);
  const idsByShopper = new Map<number, Set<string>>();
  for (const a of answers) {
    const ids = idsByShopper.get(a.shopper) ?? new Set();
    ids.add(a.orderId!);
    idsByShopper.set(a.shopper, ids);
  }
  expect([...idsByShopper.values()].every((ids) => ids.size === 1)).toBe(true);
}

async function expectFinal(saleId: string) {
  const c = await counts(saleId);
  expect(c).toMatchObject({ completed: STOCK, sold_out: SHOPPERS - STOCK, pending: 0, orders: SHOPPERS, shoppers: SHOPPERS, remaining: 0 });
  expect(c.stock).toBe(c.remaining + c.completed);
  // An order exists if and only if its job does.
  expect(await jobsForSale(db.sql, saleId)).toBe(SHOPPERS);
}

describe("the storm", () => {
  it("admits every click, gives each shopper one order, and two workers sell exactly the stock", async () => {
    const { sale, answers, admitMs } = await storm("storm");
    expectAdmissions(answers);
    expect((await counts(sale.id)).pending).toBe(SHOPPERS);

    workers.push(startWorker(db.url), startWorker(db.url));
    const waitMs = await drained(sale.id, 60_000);
    // How the drain went: an order's updated_at is its allocation transaction's start, so this counts the
    // transactions and how far apart the first and last began (one large batch can settle them all).
    const [span] = await db.sql`
      SELECT count(DISTINCT updated_at)::int AS transactions, extract(epoch FROM max(updated_at) - min(updated_at)) * 1000 AS ms
      FROM orders WHERE sale_id = ${sale.id}`;
    await expectFinal(sale.id);
    console.log(
      `storm: ${answers.length} clicks admitted in ${Math.round(admitMs)} ms (${Math.round(answers.length / (admitMs / 1000))}/s in-process); ` +
        `${SHOPPERS} orders settled by 2 workers in ${span!.transactions} allocation transaction(s), the last begun ${Math.round(Number(span!.ms))} ms after the first; ` +
        `${Math.round(waitMs)} ms from starting the workers to the last one`,
    );
    // SIGTERM: each worker finishes its batch, closes its pools and exits 0.
    expect(await Promise.all(workers.splice(0).map((w) => stopProcess(w)))).toEqual([0, 0]);
  });

  it("loses nothing and sells nothing twice when a worker is SIGKILLed mid-drain", async () => {
    const { sale, answers } = await storm("crash");
    expectAdmissions(answers);
    // Set before the workers connect: the killed worker's allocation, left waiting on the lock below,
    // is rolled back by Postgres once its client is gone instead of committing when the lock goes.
    await dropStatementsOfDeadClients(db.sql);

    // Small batches make the drain long enough to kill a worker in the middle of it.
    const env = { WORKER_BATCH_SIZE: "10" };
    const victim = startWorker(db.url, env);
    workers.push(victim, startWorker(db.url, env));
    await waitFor(async () => {
      const c = await counts(sale.id);
      return c.completed + c.sold_out >= 100 ? true : undefined;
    }, 60_000, "the drain to be under way");

    // The test takes the sale row's lock, the last one an allocation needs: every batch now stops half
    // done, its orders locked and pending, its jobs active. Once the victim's own allocation is seen
    // waiting on it, the victim is SIGKILLed holding that batch; whether it held one is no longer luck.
    // Postgres ends the dead worker's sessions (and their statements) before the lock is let go.
    const held = await killMidBatch(db.sql, db.url, sale.id, [victim], 10_000);
    const killedAt = performance.now();
    expect(held.length, "orders held by the victim's unfinished batch at the kill").toBeGreaterThan(0);
    expect(await stillPending(db.sql, held.map((h) => h.orderId)), "the victim's orders, still pending once the lock is released").toBe(held.length);
    workers.push(startWorker(db.url, env));

    // Jobs the dead worker held come back after they expire (15 s) and the next supervision pass.
    await drained(sale.id, 90_000);
    const finalMs = performance.now() - killedAt;
    await expectFinal(sale.id);
    // Each job the victim held was handed out again (retry_count ≥ 1) and completed.
    const jobIds = held.map((h) => h.jobId);
    await waitFor(async () => ((await redelivered(db.sql, jobIds)).completed === jobIds.length ? true : undefined), 10_000, "the victim's jobs to complete");
    expect(await redelivered(db.sql, jobIds)).toEqual({ completed: jobIds.length, redelivered: jobIds.length });
    console.log(`crash: the victim held ${held.length} pending orders at the kill; every order final ${Math.round(finalMs)} ms after it`);
  });
});
