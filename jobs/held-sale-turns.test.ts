import type { Job } from "pg-boss";
import { describe, expect, it } from "vitest";
import { placeOrder } from "@/db/orders";
import { useTestDatabase } from "@/db/testing/database";
import { holdSaleRow } from "@/db/testing/held-work";
import { liveSale } from "@/db/testing/live-sale";
import { waitFor } from "@/db/testing/processes";
import { upsertUserByEmail } from "@/db/users";
import { handler } from "./place-order";

// The worker's batches, run here in one process as a worker runs them (its lock timeout included),
// against a sale whose row an open transaction holds.
process.env.FLASH_ROLE = "worker";
process.env.ORDER_ADMISSION_SLACK = "10";

const db = useTestDatabase();

let shoppers = 0;
/** An order in `saleId`, and the place-order job the admission would have queued for it. */
async function orderJob(saleId: string): Promise<Job<unknown>> {
  const user = await upsertUserByEmail({ email: `held-turn-${shoppers++}@example.com` });
  const { order } = await placeOrder({ saleId, userId: user.id });
  const [row] = await db.sql`SELECT seq FROM orders WHERE id = ${order.id}`;
  return { id: `job-${order.id}`, data: { orderId: order.id, saleId, seq: Number(row!.seq) } } as Job<unknown>;
}

const statusOf = async (job: Job<unknown>) => (await db.sql`SELECT status FROM orders WHERE id = ${(job.data as { orderId: string }).orderId}`)[0]!.status as string;

describe("a sale whose row is held", () => {
  it("takes no turn once the worker knows it held: a batch with another sale's orders settles them while an earlier batch still waits for the held row", async () => {
    const held = await liveSale({ name: "Held row", stock: 10 });
    const free = await liveSale({ name: "Free", stock: 10 });
    const first = await orderJob(held.id);
    const earlier = await orderJob(held.id);
    const freeJob = await orderJob(free.id);
    const heldJob = await orderJob(held.id);

    const lock = await holdSaleRow(db.url, held.id);
    try {
      // The worker learns the row is held: its batch waits out the lock timeout, then gives up on that sale.
      expect(await handler([first])).toEqual([expect.objectContaining({ id: first.id, status: "failed" })]);

      // A batch of the held sale's orders starts, and waits (2 s) for the row; a batch with a place
      // further back in line, of both sales, is fetched beside it.
      let earlierDone = false;
      const earlierBatch = handler([earlier]).finally(() => (earlierDone = true));
      await new Promise((resolve) => setImmediate(resolve));
      const laterBatch = handler([freeJob, heldJob]);

      // The other sale's order is settled while the earlier batch still waits: the later batch did not
      // wait for the earlier one's turn at the held sale, which it would give up only after its 2 s.
      await waitFor(async () => ((await statusOf(freeJob)) === "completed" ? true : undefined), 10_000, "the free sale's order to be settled");
      expect(earlierDone, "the earlier batch, on the held row, still waiting").toBe(false);

      expect(await earlierBatch).toEqual([expect.objectContaining({ id: earlier.id, status: "failed" })]);
      expect(await laterBatch).toEqual([
        { id: freeJob.id, status: "completed" },
        expect.objectContaining({ id: heldJob.id, status: "failed" }),
      ]);
    } finally {
      await lock.release();
    }
    expect(await statusOf(heldJob)).toBe("pending");
  });
});
