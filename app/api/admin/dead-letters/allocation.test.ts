import { beforeAll, describe, expect, it } from "vitest";
import { signInAdmin } from "@/db/testing/admin";
import { saleCounts } from "@/db/testing/counts";
import { useTestDatabase } from "@/db/testing/database";
import { call } from "@/db/testing/http";
import { liveSale } from "@/db/testing/live-sale";
import { startWorker, stopProcess, waitFor } from "@/db/testing/processes";
import { buy, signInShoppers } from "@/db/testing/shoppers";
import { webBoss } from "@/jobs/boss";
import { SWEEP_LOCK } from "@/db/lost-orders";
import { requeueLostOrders } from "@/jobs/lost-orders";
import { PLACE_ORDER, PLACE_ORDER_DEAD } from "@/jobs/queues";
import * as orderRoute from "@/app/api/orders/[id]/route";
import * as deadLetter from "./[id]/route";
import * as deadLetters from "./route";
import * as deadLetterRetry from "./[id]/retry/route";

// An accepted order reaches a final state whatever happens to its job. When its allocation fails
// past every retry, the order waits in line with its dead letter until the admin decides: Retry puts
// it back and it is filled; Discard fails it, and the shopper is told. And an order whose job is
// gone altogether (pg-boss deleted it) is found by the workers' sweep and given a new one.

const db = useTestDatabase();
let admin: string;
let saleId: string;
const shoppers: Record<string, { cookie: string; orderId: string }> = {};

const jobsOf = async (orderId: string) =>
  (await db.sql`SELECT name, state FROM pgboss.job WHERE data->>'orderId' = ${orderId} ORDER BY created_on`).map((j) => `${j.name}:${j.state}`);
const orderAsShopperSees = async (who: string) => {
  const { orderId, cookie } = shoppers[who]!;
  return (await call(orderRoute.GET, `/api/orders/${orderId}`, { params: { id: orderId }, cookie })).json.order;
};

beforeAll(async () => {
  admin = await signInAdmin();
  const sale = await liveSale({ name: "Dead letters", stock: 4 });
  saleId = sale.id;
  // No worker yet: every order waits in line with its job.
  const cookies = await signInShoppers(4, "dead-letters");
  for (const [i, who] of ["a", "b", "c", "d"].entries()) {
    const cookie = cookies[i]!;
    const res = await buy(saleId, cookie);
    expect(res.status).toBe(202);
    shoppers[who] = { cookie, orderId: res.json.order.id };
  }
});

describe("an allocation that fails for good", () => {
  it("leaves its order in line with a dead letter pg-boss keeps, which the sweep leaves alone", async () => {
    // a's and b's allocations fail past their retries, through pg-boss's own path to the dead letters.
    const ids = [shoppers.a!.orderId, shoppers.b!.orderId];
    await db.sql`UPDATE pgboss.job SET retry_limit = 0 WHERE name = ${PLACE_ORDER} AND data->>'orderId' = ANY(${ids})`;
    const boss = await webBoss();
    const fetched = await boss.fetch(PLACE_ORDER, { batchSize: 10 });
    const toFail = fetched.filter((j) => ids.includes((j.data as { orderId: string }).orderId));
    expect(toFail).toHaveLength(2);
    await boss.fail(PLACE_ORDER, toFail.map((j) => j.id), { message: "allocation kept failing" });
    // The two jobs fetched for c and d go back to the queue for a worker.
    const others = fetched.filter((j) => !toFail.includes(j));
    if (others.length > 0) await db.sql`UPDATE pgboss.job SET state = 'created', started_on = NULL WHERE id = ANY(${others.map((j) => j.id)})`;

    for (const id of ids) expect(await jobsOf(id)).toEqual([`${PLACE_ORDER}:failed`, `${PLACE_ORDER_DEAD}:created`]);
    // The admin's list of them, filtered by this sale, however its id is spelled.
    for (const id of [saleId, saleId.toUpperCase()]) {
      const listed = await call(deadLetters.GET, `/api/admin/dead-letters?saleId=${id}`, { cookie: admin });
      expect([listed.status, listed.json.total], id).toEqual([200, 2]);
    }
    expect((await orderAsShopperSees("a")).status).toBe("pending");
    // Kept until the admin acts: pg-boss deletes a waiting job once its retention passes.
    const [kept] = await db.sql`SELECT min(keep_until) > now() + interval '5 years' AS ok FROM pgboss.job WHERE name = ${PLACE_ORDER_DEAD}`;
    expect(kept!.ok).toBe(true);
    // Their orders have a job (the dead letter): the sweep for lost orders does not touch them.
    await db.sql`UPDATE orders SET created_at = now() - interval '1 hour' WHERE id = ANY(${ids})`;
    expect(await requeueLostOrders(boss)).toBe(0);
  });

  it("Discard fails the order (the shopper is told, no unit is taken); Retry puts it back in line", async () => {
    const deadLetterOf = async (orderId: string) => (await db.sql`SELECT id FROM pgboss.job WHERE name = ${PLACE_ORDER_DEAD} AND data->>'orderId' = ${orderId}`)[0]!.id as string;
    const forA = await deadLetterOf(shoppers.a!.orderId);
    const discarded = await call(deadLetter.DELETE, `/api/admin/dead-letters/${forA}`, { method: "DELETE", params: { id: forA }, cookie: admin });
    expect(discarded.status).toBe(204);
    expect(await orderAsShopperSees("a")).toMatchObject({ status: "failed", failureReason: "allocation_failed", position: null });
    expect(await saleCounts(db.sql, saleId)).toMatchObject({ stock: 4, remaining: 4, pending: 3 });
    // The sale's live counters moved with it.
    const [counted] = await db.sql`SELECT coalesce(sum(n), 0)::int AS n FROM sale_status_counts WHERE sale_id = ${saleId} AND status = 'failed'`;
    expect(counted!.n).toBe(1);
    // A second Discard (another tab, a double click) is told it is gone, and nothing moves; so is an id that is no id.
    for (const id of [forA, "not-a-dead-letter"]) {
      const again = await call(deadLetter.DELETE, `/api/admin/dead-letters/${id}`, { method: "DELETE", params: { id }, cookie: admin });
      expect(again.status).toBe(404);
      expect(again.json.error.code).toBe("dead_letter_not_found");
    }
    expect(await saleCounts(db.sql, saleId)).toMatchObject({ stock: 4, remaining: 4, pending: 3 });

    const forB = await deadLetterOf(shoppers.b!.orderId);
    const retried = await call(deadLetterRetry.POST, `/api/admin/dead-letters/${forB}/retry`, { method: "POST", params: { id: forB }, cookie: admin });
    expect(retried.status).toBe(202);
    expect((await jobsOf(shoppers.b!.orderId)).at(-1)).toMatch(new RegExp(`^${PLACE_ORDER}:(created|retry)$`));
    expect((await orderAsShopperSees("b")).status).toBe("pending");
  });
});

describe("an order whose job is gone", () => {
  it("is given a new job by the sweep once it has waited five minutes, and is then filled", async () => {
    const boss = await webBoss();
    const [c, d] = [shoppers.c!.orderId, shoppers.d!.orderId];
    await db.sql`DELETE FROM pgboss.job WHERE name = ${PLACE_ORDER} AND data->>'orderId' = ANY(${[c, d]})`;
    // c has waited ten minutes; d was accepted moments ago, so its missing job is not yet a concern.
    await db.sql`UPDATE orders SET created_at = now() - interval '10 minutes' WHERE id = ${c}`;
    // One worker looks at a time: while another holds the sweep's lock, a pass does nothing.
    const other = await db.sql.reserve();
    try {
      await other`BEGIN`;
      await other`SELECT pg_advisory_xact_lock(${SWEEP_LOCK})`;
      expect(await requeueLostOrders(boss)).toBe(0);
      expect(await jobsOf(c)).toEqual([]);
    } finally {
      await other`ROLLBACK`;
      other.release();
    }
    expect(await requeueLostOrders(boss)).toBe(1);
    expect(await jobsOf(c)).toEqual([`${PLACE_ORDER}:created`]);
    expect(await jobsOf(d)).toEqual([]);
    // Its job is back: the next pass finds nothing.
    expect(await requeueLostOrders(boss)).toBe(0);

    const worker = startWorker(db.url);
    try {
      await waitFor(async () => ((await orderAsShopperSees("c")).status === "completed" && (await orderAsShopperSees("b")).status === "completed" ? true : undefined), 30_000, "b and c filled");
    } finally {
      await stopProcess(worker);
    }
    expect(await saleCounts(db.sql, saleId)).toMatchObject({ stock: 4, remaining: 2, completed: 2, pending: 1 });
    expect((await orderAsShopperSees("d")).status).toBe("pending");
  });
});
