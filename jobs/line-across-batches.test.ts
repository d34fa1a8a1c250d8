import type { Job } from "pg-boss";
import { describe, expect, it } from "vitest";
import { admitShoppers } from "@/db/testing/admitted";
import { useTestDatabase } from "@/db/testing/database";
import { liveSale } from "@/db/testing/live-sale";
import { handler } from "./place-order";

// A worker's two slots, woken together, fetch at the same moment and can split a stretch of the line
// between them every other job. The batches are run here in one process as a worker's slots run them.
process.env.FLASH_ROLE = "worker";

const db = useTestDatabase();

/** `n` orders in the sale, admitted as one group, in line in the order returned; their jobs as a worker fetches them. */
async function lineOf(saleId: string, n: number, tag: string) {
  const rows = await admitShoppers(saleId, n, tag);
  return rows.map((row) => ({ id: `job-${row.id}`, data: { orderId: row.id, saleId, seq: row.seq } }) as Job<{ orderId: string; saleId: string; seq: number }>);
}

const statuses = async (jobs: Job<{ orderId: string }>[]) => {
  const rows = await db.sql<{ id: string; status: string }[]>`SELECT id, status FROM orders WHERE id = ANY(${jobs.map((j) => j.data.orderId)}::uuid[])`;
  const byId = new Map(rows.map((r) => [r.id, r.status]));
  return jobs.map((j) => byId.get(j.data.orderId));
};

describe("the line across batches fetched at the same moment", () => {
  it("serves the first places when two batches split the line every other job: none refused while a later one is sold", async () => {
    const sale = await liveSale({ name: "Split line", stock: 5 });
    const line = await lineOf(sale.id, 8, "split");
    // Places 1, 3, 5, 7 in one batch and 2, 4, 6, 8 in the other, both answered in the same turn.
    const odd = line.filter((_, i) => i % 2 === 0);
    const even = line.filter((_, i) => i % 2 === 1);
    const results = await Promise.all([handler(odd), handler(even)]);

    expect(results.flat().map((r) => r.status)).toEqual(Array(8).fill("completed"));
    // The five units go to the first five places, whichever batch carried them.
    expect(await statuses(line)).toEqual([...Array(5).fill("completed"), ...Array(3).fill("failed")]);
    const [sold] = await db.sql`SELECT remaining FROM sales WHERE id = ${sale.id}`;
    expect(sold!.remaining).toBe(0);
  });

  it("keeps each sale's line when split batches carry two sales, and undoes nothing a batch before them allocated", async () => {
    const sale = await liveSale({ name: "Started first", stock: 2 });
    const other = await liveSale({ name: "Another sale", stock: 1 });
    const line = await lineOf(sale.id, 4, "started");
    const otherLine = await lineOf(other.id, 2, "other-sale");
    // The later places' batch goes alone first; then a batch with the earliest places and another
    // sale's orders, beside a batch of the rest of the first sale's line.
    await handler([line[2]!, line[3]!]);
    expect(await statuses(line)).toEqual(["pending", "pending", "completed", "completed"]);
    await Promise.all([handler([line[0]!, otherLine[1]!]), handler([line[1]!, otherLine[0]!])]);
    // The sale had no unit left for its earlier places: a batch that has allocated is not undone.
    expect(await statuses(line)).toEqual(["failed", "failed", "completed", "completed"]);
    // The other sale's one unit goes to its first place, carried by the batch behind.
    expect(await statuses(otherLine)).toEqual(["completed", "failed"]);
  });
});
