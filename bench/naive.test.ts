import { describe, expect, it } from "vitest";
import { useTestDatabase } from "@/db/testing/database";
import { liveSale } from "@/db/testing/live-sale";
import { upsertUserByEmail } from "@/db/users";
import { clickOrder } from "./load";
import { naiveCheckout } from "./naive";

const db = useTestDatabase();

describe("the naive baseline checkout", () => {
  it("sells exactly the stock under concurrent Buys, one order per shopper, then answers sold out", async () => {
    const sale = await liveSale({ name: "Naive", stock: 7 });
    const users = await Promise.all(Array.from({ length: 12 }, (_, i) => upsertUserByEmail({ email: `naive-${i}@example.com` })));
    const clicks = clickOrder({ shoppers: users.length, requests: 30, seed: 7 });
    const outcomes = await Promise.all(clicks.map((i) => naiveCheckout({ saleId: sale.id, userId: users[i]!.id })));
    const count = (o: string) => outcomes.filter((x) => x.outcome === o).length;
    expect(count("created")).toBe(7);
    expect(count("created") + count("repeat") + count("sold_out")).toBe(30);
    const [row] = await db.sql`SELECT s.remaining, count(o.id)::int AS orders, count(DISTINCT o.user_id)::int AS buyers
      FROM sales s LEFT JOIN orders o ON o.sale_id = s.id WHERE s.id = ${sale.id} GROUP BY s.id`;
    expect(row).toEqual({ remaining: 0, orders: 7, buyers: 7 });
    // The five shoppers left without a unit were answered sold out on every click (a 410 from the
    // bench's route), not as repeats of an order they do not have (a 200).
    const bought = new Set((await db.sql`SELECT user_id FROM orders WHERE sale_id = ${sale.id}`).map((o) => o.user_id as string));
    const leftOut = clicks.flatMap((i, n) => (bought.has(users[i]!.id) ? [] : [outcomes[n]!.outcome]));
    expect(leftOut.length).toBeGreaterThanOrEqual(5);
    expect(new Set(leftOut)).toEqual(new Set(["sold_out"]));
  });
});

describe("the storm's click order", () => {
  it("has every shopper click at least once, the rest as repeats, the same for the same seed", () => {
    const clicks = clickOrder({ shoppers: 100, requests: 250, seed: 1 });
    expect(clicks).toHaveLength(250);
    expect(new Set(clicks).size).toBe(100);
    expect(clickOrder({ shoppers: 100, requests: 250, seed: 1 })).toEqual(clicks);
    expect(clickOrder({ shoppers: 100, requests: 250, seed: 2 })).not.toEqual(clicks);
  });
});
