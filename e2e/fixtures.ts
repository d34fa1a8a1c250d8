import { test as base, expect } from "@playwright/test";
import postgres from "postgres";

type Sale = { id: string; name: string };
type SaleInput = { name?: string; description?: string; stock?: number; startsInMs?: number; durationMs?: number; priceCents?: number; originalPriceCents?: number };

/**
 * `db`: the test's own connection to the e2e database. `createSale`: a fresh sale of the test's own
 * (unique name), so tests never share data.
 */
export const test = base.extend<{ createSale: (input?: SaleInput) => Promise<Sale> }, { db: postgres.Sql }>({
  db: [
    async ({}, use) => {
      const sql = postgres(process.env.E2E_DATABASE_URL!, { max: 2, onnotice: () => {} });
      await use(sql);
      await sql.end();
    },
    { scope: "worker" },
  ],
  createSale: async ({ db }, use, testInfo) => {
    await use(async (input = {}) => {
      const now = Date.now();
      const startsAt = new Date(now + (input.startsInMs ?? -60_000));
      const endsAt = new Date(startsAt.getTime() + (input.durationMs ?? 3600_000));
      const stock = input.stock ?? 10;
      const name = input.name ?? `${testInfo.title.slice(0, 40)} ${now.toString(36)}`;
      const [row] = await db`
        INSERT INTO sales (name, description, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
        VALUES (${name}, ${input.description ?? "A product made for this test."}, ${input.priceCents ?? 2500}, ${input.originalPriceCents ?? 5000},
                ${stock}, ${stock}, ${startsAt}, ${endsAt})
        RETURNING id, name`;
      return row as Sale;
    });
  },
});

export { expect };

/** A unique shopper email for this test. */
export function shopperEmail(tag: string): string {
  return `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}
