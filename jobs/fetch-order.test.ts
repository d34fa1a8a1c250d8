import type { Job } from "pg-boss";
import { describe, expect, it } from "vitest";
import { admitShoppers } from "@/db/testing/admitted";
import { useTestDatabase } from "@/db/testing/database";
import { liveSale } from "@/db/testing/live-sale";
import { createBoss } from "./boss";
import { PLACE_ORDER, type PlaceOrderJob } from "./queues";

// The worker's fetch takes a sale's jobs in the order of their places in line, so a batch cut short by
// its size leaves the later places, not the earlier ones, for the next batch.

const db = useTestDatabase();

/** `n` orders in the sale, admitted as one group (one admission statement), in line in the order returned. */
const group = async (saleId: string, n: number, tag: string) => (await admitShoppers(saleId, n, tag)).map((row) => row.id);

/** One fetch of `batchSize` place-order jobs, as a worker's slot makes it: the orders it carries, in line order. */
async function fetchOrders(batchSize: number): Promise<string[]> {
  const boss = createBoss("admin");
  await boss.start();
  try {
    const jobs = (await boss.fetch<PlaceOrderJob>(PLACE_ORDER, { batchSize })) as Job<PlaceOrderJob>[];
    return jobs.sort((a, b) => (a.data.seq ?? 0) - (b.data.seq ?? 0)).map((j) => j.data.orderId);
  } finally {
    await boss.stop({ graceful: false });
  }
}

describe("the worker's fetch", () => {
  it("takes the first places in line when the statement that drew the later ones began first", async () => {
    const sale = await liveSale({ name: "Fetch order", stock: 4 });
    const first = await group(sale.id, 3, "first");
    const second = await group(sale.id, 3, "second");
    // Two admission statements in flight draw their places as they run, so the one that began first,
    // whose jobs carry the earlier created_on (the moment a statement begins), can hold the later
    // places. That race is a matter of microseconds; it is set up here by dating the later places'
    // jobs a second before the earlier ones'.
    await db.sql`UPDATE pgboss.job SET created_on = created_on - interval '1 second' WHERE name = ${PLACE_ORDER} AND data->>'orderId' = ANY(${second}::text[])`;

    expect(await fetchOrders(4)).toEqual([...first, second[0]]);
    expect(await fetchOrders(2)).toEqual(second.slice(1));
  });
});
