import { count } from "drizzle-orm";
import { getDb } from "./client";
import { createSale } from "./sales";
import { sales, type SaleRow } from "./schema";

/** An empty database gets one demo sale: 100 units, opening a minute from now, for a day. */
export async function seedDemoSale(now: number = Date.now()): Promise<SaleRow | undefined> {
  const [{ n } = { n: 0 }] = await getDb().select({ n: count() }).from(sales);
  if (n > 0) return undefined;
  const startsAt = new Date(Math.ceil((now + 60_000) / 1000) * 1000);
  return createSale({
    name: "Aurora Wireless Headphones",
    description: "Over-ear, active noise cancelling, 40-hour battery. One pair per shopper.",
    priceCents: 4900,
    originalPriceCents: 19900,
    stock: 100,
    startsAt,
    endsAt: new Date(startsAt.getTime() + 24 * 3600_000),
  });
}
