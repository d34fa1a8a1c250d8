import type { ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { saleCounts } from "@/db/testing/counts";
import { useTestDatabase } from "@/db/testing/database";
import { holdRowLock } from "@/db/testing/held-work";
import { liveSale } from "@/db/testing/live-sale";
import { startWorker, stopProcess, waitFor } from "@/db/testing/processes";
import { buy, signInShoppers } from "@/db/testing/shoppers";
import { PLACE_ORDER } from "./queues";

// A worker allocates with two batches in flight (WORKER_CONCURRENCY): the line must still be served
// in arrival order when an earlier batch reaches its sale's row later than a batch fetched after it.

// All three Buys are admitted for two units (the gate would turn the third away).
process.env.ORDER_ADMISSION_SLACK = "10";
process.env.ORDER_BACKLOG_MAX = "100000";

const db = useTestDatabase();
let worker: ChildProcess | undefined;

afterEach(async () => {
  if (worker) await stopProcess(worker, "SIGKILL");
  worker = undefined;
});

const jobState = async (orderId: string) =>
  ((await db.sql`SELECT state FROM pgboss.job WHERE name = ${PLACE_ORDER} AND data->>'orderId' = ${orderId}`)[0]?.state as string | undefined);
const orderOf = async (orderId: string) => (await db.sql`SELECT status, failure_reason FROM orders WHERE id = ${orderId}`)[0]!;

describe("arrival order across one worker's batches", () => {
  it("a batch fetched first and slowed before the sale's row still gets the unit its order is first in line for", async () => {
    const sale = await liveSale({ name: "Two units, three shoppers", stock: 2 });
    const [first, second, third] = await signInShoppers(3, "arrival");
    const placed = async (cookie: string) => {
      const res = await buy(sale.id, cookie);
      expect(res.status).toBe(202);
      return res.json!.order.id as string;
    };

    // The first shopper's order, its row held by a transaction of the test's: the batch that fetches
    // it waits there, before its sale's row, as a batch slowed by anything would.
    const firstId = await placed(first!);
    const lock = await holdRowLock(db.url, (tx) => tx`SELECT pg_backend_pid() AS pid FROM orders WHERE id = ${firstId} FOR UPDATE`);
    let secondId: string, thirdId: string;
    try {
      worker = startWorker(db.url);
      await waitFor(async () => ((await jobState(firstId)) === "active" ? true : undefined), 30_000, "the first order's batch to be fetched");
      // Two later shoppers; the worker's other slot fetches their orders while the first batch waits.
      secondId = await placed(second!);
      thirdId = await placed(third!);
      await waitFor(async () => (["active", "completed"].includes((await jobState(secondId)) ?? "") ? true : undefined), 10_000, "the second order's batch to be fetched");
      // Time for that batch to allocate, as it did when it went first (within milliseconds).
      await waitFor(async () => ((await orderOf(secondId)).status !== "pending" ? true : undefined), 500, "the second order to be final").catch(() => undefined);
    } finally {
      await lock.release();
    }

    await waitFor(async () => ((await saleCounts(db.sql, sale.id)).pending === 0 ? true : undefined), 20_000, "every order to be final");
    expect(await orderOf(firstId)).toMatchObject({ status: "completed", failure_reason: null });
    expect(await orderOf(secondId)).toMatchObject({ status: "completed", failure_reason: null });
    expect(await orderOf(thirdId)).toMatchObject({ status: "failed", failure_reason: "sold_out" });
    expect(await saleCounts(db.sql, sale.id)).toMatchObject({ completed: 2, remaining: 0 });
  });
});
