import { describe, expect, it } from "vitest";
import { useTestDatabase } from "@/db/testing/database";
import { liveSale } from "@/db/testing/live-sale";
import { holdRowLock } from "@/db/testing/held-work";
import { call } from "@/db/testing/http";
import { signInShoppers } from "@/db/testing/shoppers";
import { webMetrics } from "@/db/metrics";
import * as orders from "./route";

// An operator's session that locked a sale's row FOR UPDATE (or a statement that does, such as a
// delete) blocks every order insert of that sale: the insert's foreign key needs a key-share lock on
// the row. Such a lock must cost that sale's Buys, not the whole shop's.

const db = useTestDatabase();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function timedBuy(saleId: string, cookie: string) {
  const started = performance.now();
  const res = await call(orders.POST, `/api/sales/${saleId}/orders`, { method: "POST", params: { id: saleId }, cookie });
  return { status: res.status, code: res.json?.error?.code as string | undefined, retryAfter: res.headers.get("retry-after"), orderId: res.json?.order?.id as string | undefined, ms: Math.round(performance.now() - started) };
}

describe("a sale whose row another transaction holds FOR UPDATE", () => {
  it("answers that sale's Buys 503 while every other sale's Buys are admitted as usual, and admits it again once the lock goes", async () => {
    const held = await liveSale({ name: "Held sale", stock: 1000 });
    const other = await liveSale({ name: "Other sale", stock: 1000 });
    const [heldShoppers, otherShoppers, late] = [await signInShoppers(8, "held-row"), await signInShoppers(40, "other-row"), await signInShoppers(1, "late-row")];
    // Before the lock: one shopper already has an order in the held sale, and the other sale has sold
    // once (the web's first admission is behind it: its queue client started, its statement prepared).
    const [earlier, warmUp] = await signInShoppers(2, "before-row");
    const first = await timedBuy(held.id, earlier!);
    expect(first.status).toBe(202);
    expect((await timedBuy(other.id, warmUp!)).status).toBe(202);

    const lock = await holdRowLock(db.url, (tx) => tx`SELECT pg_backend_pid() AS pid FROM sales WHERE id = ${held.id} FOR UPDATE`);
    const releaseAt = Date.now() + 15_000;
    const timer = setTimeout(() => void lock.release(), 15_000);
    try {
      // Both sales' shoppers press Buy together, and the other sale's keep coming for a few seconds.
      const heldAnswers = Promise.all(heldShoppers.map((cookie) => timedBuy(held.id, cookie)));
      const otherAnswers: Awaited<ReturnType<typeof timedBuy>>[] = [];
      for (let i = 0; i < otherShoppers.length; i += 4) {
        otherAnswers.push(...(await Promise.all(otherShoppers.slice(i, i + 4).map((cookie) => timedBuy(other.id, cookie)))));
        await sleep(200);
      }
      // The other sale's Buys are admitted; at worst one waits out the lock timeout of the group it shared.
      expect(otherAnswers.filter((a) => a.status !== 202)).toEqual([]);
      expect(Math.max(...otherAnswers.map((a) => a.ms))).toBeLessThan(3_500);
      for (const answer of await heldAnswers) expect([answer.status, answer.code, answer.retryAfter]).toEqual([503, "unavailable", "2"]);
      // A repeat click in the held sale needs no new order: it is answered with the shopper's own.
      const repeat = await call(orders.POST, `/api/sales/${held.id}/orders`, { method: "POST", params: { id: held.id }, cookie: earlier! });
      expect([repeat.status, repeat.json.order?.id]).toEqual([200, first.orderId]);
      expect(Date.now()).toBeLessThan(releaseAt);
    } finally {
      clearTimeout(timer);
      await lock.release();
    }
    // A moment after the lock goes, the held sale admits again.
    await sleep(2_500);
    expect((await timedBuy(held.id, late[0]!)).status).toBe(202);
    const [row] = await db.sql`SELECT (SELECT count(*)::int FROM orders WHERE sale_id = ${held.id}) AS held, (SELECT count(*)::int FROM orders WHERE sale_id = ${other.id}) AS other`;
    expect(row).toEqual({ held: 2, other: otherShoppers.length + 1 });
    // The operator's group-size histogram counts each admitted Buy once: the groups that gave up on the
    // held row and were run again without its Buys are counted in the statement that answered.
    const sizes = (await webMetrics().groupSize.get()).values;
    expect(sizes.find((v) => v.metricName === "order_admission_group_size_sum")?.value).toBe(row!.held + row!.other);
  }, 60_000);
});
