import { describe, expect, it } from "vitest";
import { allocateOrders } from "@/db/allocation";
import { useTestDatabase } from "@/db/testing/database";
import { liveSale } from "@/db/testing/live-sale";
import { upsertUserByEmail } from "@/db/users";
import { auditSale } from "./data";

const db = useTestDatabase();

/** Three orders of a new two-unit sale, placed one after another (their places in line ascending). */
async function threeInLine(tag: string): Promise<{ saleId: string; ids: string[] }> {
  const sale = await liveSale({ name: `Line ${tag}`, stock: 2 });
  const ids: string[] = [];
  for (const n of [1, 2, 3]) {
    const user = await upsertUserByEmail({ email: `line-${tag}-${n}@example.com` });
    const [row] = await db.sql`INSERT INTO orders (id, sale_id, user_id) VALUES (gen_random_uuid(), ${sale.id}, ${user.id}) RETURNING id`;
    ids.push(row!.id as string);
  }
  return { saleId: sale.id, ids };
}

describe("the bench's audit of a sale: orders served out of line", () => {
  it("is 0 when the units went to the first orders in line", async () => {
    const { saleId, ids } = await threeInLine("kept");
    await allocateOrders(ids);
    expect(await auditSale({ sql: db.sql, saleId })).toMatchObject({ completed: 2, failed: 1, outOfLine: 0, isInvariantHeld: true });
  });

  it("counts the orders completed behind one refused as sold out", async () => {
    const { saleId, ids } = await threeInLine("broken");
    // The later two allocated first, in a batch of their own: the first in line finds no unit left.
    await allocateOrders(ids.slice(1));
    await allocateOrders(ids.slice(0, 1));
    expect(await auditSale({ sql: db.sql, saleId })).toMatchObject({ completed: 2, failed: 1, outOfLine: 2, isInvariantHeld: true });
  });
});
