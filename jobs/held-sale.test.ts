import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { createSale } from "@/db/sales";
import { saleCounts } from "@/db/testing/counts";
import { useTestDatabase } from "@/db/testing/database";
import { holdSaleRow } from "@/db/testing/held-work";
import { startWorker, stopProcess, waitFor } from "@/db/testing/processes";
import { buy, signInShoppers } from "@/db/testing/shoppers";
import { PLACE_ORDER, PLACE_ORDER_DEAD } from "./queues";

// An operator's transaction left open on one sale's row (a psql session that updated it and never
// committed) holds that sale's allocation. It must hold only that sale's: the worker's batches mix
// the orders of every live sale, and the other sales' orders are settled meanwhile.

// Every Buy is admitted before the worker starts (no drain rate measured yet to size the bound from).
process.env.ORDER_ADMISSION_SLACK = "10";
process.env.ORDER_BACKLOG_MAX = "100000";

const PER_SALE = 6;

const db = useTestDatabase();
let worker: ChildProcess | undefined;

afterAll(async () => {
  if (worker) await stopProcess(worker, "SIGKILL");
});

const pendingOf = async (saleId: string) => (await saleCounts(db.sql, saleId)).pending;

/** A sale's place-order jobs that have failed at least once and wait for, or are in, another attempt. */
async function retriedJobs(saleId: string): Promise<number> {
  const [row] = await db.sql`
    SELECT count(*)::int AS n FROM pgboss.job
    WHERE name = ${PLACE_ORDER} AND data->>'saleId' = ${saleId} AND retry_count >= 1 AND state IN ('retry', 'active', 'created')`;
  return row!.n as number;
}

describe("a sale row held by another transaction", () => {
  it("holds that sale's orders only: another sale's, fetched in the same batches, become final; the held sale's once the lock goes; nothing is dead-lettered", async () => {
    const sale = (name: string) =>
      createSale({ name, priceCents: 1000, originalPriceCents: 2000, stock: 10, startsAt: new Date(Date.now() - 1000), endsAt: new Date(Date.now() + 3600_000) });
    const held = await sale("Held sale");
    const free = await sale("Free sale");
    const cookies = await signInShoppers(2 * PER_SALE, "heldsale");
    // Both sales' orders are in line before the worker starts, so its first batch holds them all.
    const answers = await Promise.all(cookies.map((cookie, i) => buy(i % 2 === 0 ? held.id : free.id, cookie)));
    expect(answers.map((a) => a.status)).toEqual(cookies.map(() => 202));

    const lock = await holdSaleRow(db.url, held.id);
    try {
      worker = startWorker(db.url);
      await waitFor(async () => ((await pendingOf(free.id)) === 0 ? true : undefined), 30_000, "the free sale's orders to be final while the other sale's row is held");
      expect(await saleCounts(db.sql, free.id)).toMatchObject({ completed: PER_SALE, pending: 0, remaining: 10 - PER_SALE });
      expect(await pendingOf(held.id)).toBe(PER_SALE);
      // The held sale's jobs are not stuck in the worker either: each attempt gives up on the lock and
      // fails them back for a retry with backoff.
      await waitFor(async () => ((await retriedJobs(held.id)) === PER_SALE ? true : undefined), 30_000, "the held sale's jobs to be failed back for a retry");
      expect(await pendingOf(held.id)).toBe(PER_SALE);
    } finally {
      await lock.release();
    }
    await waitFor(async () => ((await pendingOf(held.id)) === 0 ? true : undefined), 30_000, "the held sale's orders to be final once the lock went");
    expect(await saleCounts(db.sql, held.id)).toMatchObject({ completed: PER_SALE, pending: 0, remaining: 10 - PER_SALE });
    const [dead] = await db.sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${PLACE_ORDER_DEAD}`;
    expect(dead!.n).toBe(0);
  });
});
