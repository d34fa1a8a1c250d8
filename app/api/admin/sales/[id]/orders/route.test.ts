import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db/client";
import { signInAdmin } from "@/db/testing/admin";
import { freshDatabase } from "@/db/testing/database";
import { call } from "@/db/testing/http";
import { liveSale } from "@/db/testing/live-sale";
import * as orders from "./route";

let db: Awaited<ReturnType<typeof freshDatabase>>;
let cookie: string;
let saleId: string;
const statuses = ["completed", "failed", "pending", "shipped", "cancelled"] as const;
// 30 orders in arrival order; order i is statuses[i % 5], bought by shopper-i@orders.example.
const ids: string[] = [];

const page = (query: string, id = saleId) => call(orders.GET, `/api/admin/sales/${id}/orders?${query}`, { params: { id }, cookie });

beforeAll(async () => {
  db = await freshDatabase();
  cookie = await signInAdmin();
  const sale = await liveSale({ name: "Orders table", stock: 100 });
  saleId = sale.id;
  const other = await liveSale({ name: "Another sale", stock: 100 });
  for (let i = 0; i < 30; i++) {
    const [user] = await db.sql`INSERT INTO users (email) VALUES (${`shopper-${i}@orders.example`}) RETURNING id`;
    const [order] = await db.sql`
      INSERT INTO orders (id, sale_id, user_id, status) VALUES (gen_random_uuid(), ${saleId}, ${user!.id}, ${statuses[i % 5]!}) RETURNING id`;
    ids.push(order!.id);
    // The same shopper in another sale: never listed here.
    await db.sql`INSERT INTO orders (id, sale_id, user_id, status) VALUES (gen_random_uuid(), ${other.id}, ${user!.id}, 'completed')`;
  }
});

afterAll(async () => {
  await closeDb();
  await db.drop();
});

describe("GET /api/admin/sales/:id/orders", () => {
  it("pages through the sale's orders newest first, forward and back, with each shopper's email", async () => {
    const first = await page("limit=12");
    expect(first.status).toBe(200);
    expect(first.json.orders.map((o: { id: string }) => o.id)).toEqual(ids.slice(-12).reverse());
    expect(first.json.orders[0]).toMatchObject({ email: "shopper-29@orders.example", status: statuses[29 % 5], saleId });
    expect(first.json).toMatchObject({ hasOlder: true, hasNewer: false });

    const second = await page(`limit=12&before=${first.json.orders.at(-1).seq}`);
    expect(second.json.orders.map((o: { id: string }) => o.id)).toEqual(ids.slice(6, 18).reverse());
    const third = await page(`limit=12&before=${second.json.orders.at(-1).seq}`);
    expect(third.json.orders.map((o: { id: string }) => o.id)).toEqual(ids.slice(0, 6).reverse());
    expect(third.json).toMatchObject({ hasOlder: false, hasNewer: true });

    const back = await page(`limit=12&after=${third.json.orders[0].seq}`);
    expect(back.json.orders.map((o: { id: string }) => o.id)).toEqual(second.json.orders.map((o: { id: string }) => o.id));
    expect(back.json).toMatchObject({ hasOlder: true, hasNewer: true });
  });

  it("filters by status", async () => {
    const res = await page("status=shipped&limit=100");
    expect(res.json.orders.map((o: { id: string }) => o.id)).toEqual(ids.filter((_, i) => i % 5 === 3).reverse());
    expect(res.json.orders.every((o: { status: string }) => o.status === "shipped")).toBe(true);
  });

  it("finds an order by its id, or by the first characters of it shown in the table", async () => {
    const id = ids[7]!;
    for (const q of [id, id.toUpperCase(), id.slice(0, 8)]) {
      const res = await page(`q=${encodeURIComponent(q)}`);
      expect(res.json.orders.map((o: { id: string }) => o.id)).toContain(id);
      expect(res.json.orders.every((o: { id: string }) => o.id.startsWith(id.slice(0, 8)))).toBe(true);
    }
  });

  it("finds an order by its number as the shopper sees and quotes it: capitals, after a #", async () => {
    const id = ids[7]!;
    for (const q of [`#${id.slice(0, 8).toUpperCase()}`, ` # ${id.slice(0, 8)}`, `#${id}`]) {
      const res = await page(`q=${encodeURIComponent(q)}`);
      expect(res.json.orders.map((o: { id: string }) => o.id), q).toContain(id);
      expect(res.json.orders.every((o: { id: string }) => o.id.startsWith(id.slice(0, 8))), q).toBe(true);
    }
  });

  it("finds orders by the shopper's email, exactly or by its start, in this sale only", async () => {
    const exact = await page(`q=${encodeURIComponent("Shopper-12@Orders.Example")}`);
    expect(exact.json.orders.map((o: { id: string }) => o.id)).toEqual([ids[12]]);
    // An address still being typed, past its @.
    const typing = await page(`q=${encodeURIComponent("shopper-12@orders.ex")}`);
    expect(typing.json.orders.map((o: { id: string }) => o.id)).toEqual([ids[12]]);
    const prefix = await page(`q=shopper-1&limit=100`);
    expect(prefix.json.orders.map((o: { id: string }) => o.id).sort()).toEqual([1, ...Array.from({ length: 10 }, (_, i) => 10 + i)].map((i) => ids[i]).sort());
    const combined = await page(`q=shopper-1&status=completed`);
    expect(combined.json.orders.map((o: { id: string }) => o.id).sort()).toEqual([ids[10], ids[15]].sort());
    const none = await page(`q=${encodeURIComponent("nobody@orders.example")}`);
    expect(none.json.orders).toEqual([]);
    // LIKE's wildcards in the search are taken literally.
    expect((await page(`q=${encodeURIComponent("%")}`)).json.orders).toEqual([]);
  });

  it("finds a shopper whose email begins like an order id (hex letters or digits)", async () => {
    for (const [email, q] of [["facade@orders.example", "facade"], ["2024.buyer@orders.example", "2024"]] as const) {
      const [user] = await db.sql`INSERT INTO users (email) VALUES (${email}) RETURNING id`;
      const [order] = await db.sql`INSERT INTO orders (id, sale_id, user_id) VALUES (gen_random_uuid(), ${saleId}, ${user!.id}) RETURNING id`;
      const res = await page(`q=${encodeURIComponent(q)}`);
      expect(res.json.orders.map((o: { id: string }) => o.id), q).toContain(order!.id);
    }
  });

  it.each([
    ["an unknown status", "status=lost", 'status: must be one of "pending", "completed", "failed", "shipped", "cancelled"'],
    ["a cursor that is not a number", "before=abc", "before: must be a number"],
    ["both cursors", "before=5&after=2", "give before or after, not both"],
    ["a page that is too big", "limit=1000", "limit: must be at most 100"],
    ["a page of none", "limit=0", "limit: must be at least 1"],
    ["a page of half an order", "limit=1.5", "limit: must be a whole number"],
    ["an unknown parameter", "sort=asc", '"sort" is not a field this request takes (it takes status, q, before, after, limit)'],
    ["a parameter given twice", "status=completed&status=shipped", "status: must be given once"],
  ])("answers 400 for %s, saying what is wrong in plain words", async (_what, query, message) => {
    const res = await page(query);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
    expect(res.json.error.message).toBe(message);
  });

  it("answers 404 for an unknown sale", async () => {
    const res = await page("", "00000000-0000-4000-8000-000000000999");
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("sale_not_found");
  });
});
