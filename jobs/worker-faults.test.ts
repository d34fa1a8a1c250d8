import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { jobsForSale, saleCounts } from "@/db/testing/counts";
import { useTestDatabase } from "@/db/testing/database";
import { dropStatementsOfDeadClients, killMidBatch, redelivered, stillPending } from "@/db/testing/held-work";
import { liveSale } from "@/db/testing/live-sale";
import { pool, startWorker, stopProcess, waitFor } from "@/db/testing/processes";
import { buy, signInShoppers } from "@/db/testing/shoppers";
import { createBoss } from "./boss";
import { PLACE_ORDER, PLACE_ORDER_DEAD } from "./queues";

// Workers die in the middle of their batches, again and again, while shoppers keep buying and two
// poison jobs sit in the queue. In the end: exactly the stock sold, every order final, the poison in
// the dead-letter queue and nothing else there.

// Every shopper is admitted (the gate and the bound are tested elsewhere), so the workers have a
// long line to drain while they are killed.
process.env.ORDER_ADMISSION_SLACK = "10";
process.env.ORDER_BACKLOG_MAX = "100000";

const SHOPPERS = 1500;
// Enough stock that the sale is still selling when the last kill comes.
const STOCK = 1000;
const WAVE = 40;
const KILLS = 4;
// Small batches keep every worker busy in the middle of a batch for the whole storm.
const WORKER_ENV = { WORKER_BATCH_SIZE: "5" };

const db = useTestDatabase();
const workers: ChildProcess[] = [];

afterAll(async () => {
  await Promise.all(workers.map((w) => stopProcess(w, "SIGKILL")));
});

describe("worker faults", () => {
  it("SIGKILLed workers, replaced mid-storm, and poison jobs lose nothing and sell nothing twice", async () => {
    const sale = await liveSale({ name: "Worker faults", stock: STOCK });
    const cookies = await signInShoppers(SHOPPERS, "wfault");
    // Set before the workers connect: a killed worker's allocation, left waiting on the test's lock, is
    // rolled back by Postgres once its client is gone instead of committing when the lock goes.
    await dropStatementsOfDeadClients(db.sql);
    workers.push(startWorker(db.url, WORKER_ENV), startWorker(db.url, WORKER_ENV));

    // Shoppers buy in small waves until every kill is done, so the workers always have a line to drain.
    const answers: { status: number; orderId?: string }[] = [];
    let killsDone = false;
    const admissions = (async () => {
      for (let next = 0; next < SHOPPERS && !killsDone; next += WAVE) {
        const got = await pool(cookies.slice(next, next + WAVE).map((cookie) => async () => {
          const res = await buy(sale.id, cookie);
          return { status: res.status, orderId: res.json?.order?.id as string | undefined };
        }), WAVE);
        answers.push(...got);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();

    const boss = createBoss("admin");
    await boss.start();
    const poison = [
      await boss.send(PLACE_ORDER, { orderId: 7, note: "poison-malformed" }),
      // The queue's own policy (5 retries, backoff to 30 s) would take a minute; two quick retries
      // walk the same path: failed, retried, dead-lettered.
      await boss.send(PLACE_ORDER, { orderId: "00000000-0000-4000-8000-00000000dead", saleId: sale.id, note: "poison-missing" }, { retryLimit: 2, retryDelay: 1, retryBackoff: false }),
    ];

    // Each kill takes the sale row's lock, the last one an allocation needs, so every batch stops half
    // done (its orders locked and pending, its jobs active); waits until a live worker's allocation is
    // seen waiting on it; SIGKILLs every worker; and lets the lock go once Postgres has ended the dead
    // workers' sessions and rolled their allocations back. Held at each kill: the pending orders, with
    // their jobs active, that the killed workers' allocations had locked.
    const heldAtKill: number[] = [];
    const heldJobIds: string[] = [];
    // Per kill, how many of the orders held at it were still pending once the lock was released.
    const pendingAfterRelease: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await new Promise((r) => setTimeout(r, 800));
      const held = await killMidBatch(db.sql, db.url, sale.id, workers.splice(0), 15_000);
      heldAtKill.push(held.length);
      heldJobIds.push(...held.map((h) => h.jobId));
      pendingAfterRelease.push(await stillPending(db.sql, held.map((h) => h.orderId)));
      workers.push(startWorker(db.url, WORKER_ENV), startWorker(db.url, WORKER_ENV));
    }
    killsDone = true;
    await admissions;
    expect(heldAtKill.every((n) => n > 0), `pending orders held at each kill: ${heldAtKill.join(", ")}`).toBe(true);
    // The dead workers' allocations changed nothing: their orders wait for their jobs to come back.
    expect(pendingAfterRelease, "of those, still pending once the lock was released").toEqual(heldAtKill);

    // A dead worker's jobs come back once they expire (15 s); the missing order's job runs out of
    // retries and joins the malformed one in the dead-letter queue.
    await waitFor(async () => ((await saleCounts(db.sql, sale.id)).pending === 0 ? true : undefined), 120_000, "every order to be final");
    await waitFor(async () => {
      const [row] = await db.sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${PLACE_ORDER_DEAD}`;
      return row!.n === 2 ? true : undefined;
    }, 90_000, "both poison jobs in the dead-letter queue");
    await boss.stop({ graceful: false });
    // Every job a killed worker held was handed out again (retry_count ≥ 1) and completed.
    await waitFor(async () => ((await redelivered(db.sql, heldJobIds)).completed === heldJobIds.length ? true : undefined), 10_000, "the killed workers' jobs to complete");
    expect(await redelivered(db.sql, heldJobIds)).toEqual({ completed: heldJobIds.length, redelivered: heldJobIds.length });

    // Late shoppers may meet the sold-out fast path, if the workers sold the last unit before they came.
    expect(answers.filter((a) => a.status !== 202 && a.status !== 410)).toEqual([]);
    const accepted = answers.filter((a) => a.status === 202);
    const sold = Math.min(STOCK, accepted.length);
    console.log(`worker faults: ${KILLS} kills with ${heldAtKill.join(", ")} pending orders held by the killed workers; ${accepted.length} orders accepted, ${sold} sold`);
    const counts = await saleCounts(db.sql, sale.id);
    expect(counts).toMatchObject({ completed: sold, sold_out: accepted.length - sold, pending: 0, orders: accepted.length, shoppers: accepted.length, remaining: STOCK - sold });
    expect(await jobsForSale(db.sql, sale.id)).toBe(accepted.length);
    // Every order a shopper was told about is in the table, and final.
    const ids = accepted.map((a) => a.orderId!);
    const [found] = await db.sql`SELECT count(*)::int AS n FROM orders WHERE id = ANY(${ids}::uuid[]) AND status IN ('completed', 'failed')`;
    expect(found!.n).toBe(accepted.length);

    const dead = await db.sql`SELECT data->>'note' AS note FROM pgboss.job WHERE name = ${PLACE_ORDER_DEAD} ORDER BY data->>'note'`;
    expect(dead.map((d) => d.note)).toEqual(["poison-malformed", "poison-missing"]);
    const poisonStates = await db.sql`SELECT data->>'note' AS note, state, retry_count FROM pgboss.job WHERE id = ANY(${poison as string[]}::uuid[]) ORDER BY 1`;
    // Both ended failed; the missing order only after its retries. (The malformed one is dead-lettered
    // on first sight, but a kill may have caught it in a batch and handed it out once more.)
    expect(poisonStates.map((p) => [p.note, p.state])).toEqual([
      ["poison-malformed", "failed"],
      ["poison-missing", "failed"],
    ]);
    expect(poisonStates[1]!.retry_count).toBeGreaterThanOrEqual(2);
  });
});
