import { describe, expect, it } from "vitest";
import { allocateOrders } from "@/db/allocation";
import { forgetCachedSale } from "@/db/sales";
import { useTestDatabase } from "@/db/testing/database";
import { call } from "@/db/testing/http";
import { liveSale } from "@/db/testing/live-sale";
import { buy, signInShoppers } from "@/db/testing/shoppers";
import * as list from "../route";
import * as order from "./route";

// These tests place more orders than there are units, to see allocation fail the surplus: the
// admission gate (remaining × (1 + slack) pending per sale) is opened wide so every order gets in.
process.env.ORDER_ADMISSION_SLACK = "10";

const db = useTestDatabase();

const get = (id: string, cookie: string) => call(order.GET, `/api/orders/${id}`, { params: { id }, cookie });

describe("GET /api/orders/:id", () => {
  it("shows the owner their order with its place in line, then its final state", async () => {
    const sale = await liveSale({ name: "Status", priceCents: 100, originalPriceCents: 100, stock: 1 });
    const [first, second] = await signInShoppers(2, "status");
    const a = (await buy(sale.id, first!)).json.order;
    const b = (await buy(sale.id, second!)).json.order;

    expect((await get(b.id, second!)).json.order).toMatchObject({ id: b.id, status: "pending", position: 1 });
    await allocateOrders([a.id, b.id]);
    const final = await get(b.id, second!);
    expect(final.status).toBe(200);
    expect(final.json.order).toMatchObject({ id: b.id, saleId: sale.id, status: "failed", failureReason: "sold_out", position: null });
    expect((await get(a.id, first!)).json.order).toMatchObject({ status: "completed", failureReason: null, position: null });

    const mine = await call(list.GET, `/api/orders?saleId=${sale.id}`, { cookie: first! });
    expect(mine.json.orders.map((o: { id: string }) => o.id)).toEqual([a.id]);
  });

  it("lists the shopper's orders with their sales, however long ago those ended", async () => {
    const sale = await liveSale({ name: "Last winter's boots", priceCents: 4500, originalPriceCents: 9000, stock: 2 });
    const [shopper] = await signInShoppers(1, "history");
    const { id } = (await buy(sale.id, shopper!)).json.order;
    await allocateOrders([id]);
    // Months of sales since: the shop's list no longer carries it, the shopper's orders still do.
    await db.sql`UPDATE sales SET starts_at = now() - interval '200 days', ends_at = now() - interval '199 days' WHERE id = ${sale.id}`;
    forgetCachedSale(sale.id);
    const mine = await call(list.GET, "/api/orders", { cookie: shopper! });
    expect(mine.json.orders.map((o: { id: string }) => o.id)).toEqual([id]);
    expect(mine.json.sales).toEqual([expect.objectContaining({ id: sale.id, name: "Last winter's boots", priceCents: 4500, state: "ended" })]);
  });

  it("answers 404 for another shopper's order, an unknown id and a malformed id, and 401 without a session", async () => {
    const sale = await liveSale({ name: "Private", priceCents: 100, originalPriceCents: 100, stock: 1 });
    const [owner, stranger] = await signInShoppers(2, "private");
    const { id } = (await buy(sale.id, owner!)).json.order;

    for (const [orderId, cookie] of [[id, stranger], ["00000000-0000-4000-8000-000000000000", owner], ["../../etc/passwd", owner], ["1 OR 1=1", owner]] as const) {
      const res = await get(orderId, cookie!);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: { code: "order_not_found", message: expect.any(String) } });
    }
    const anonymous = await get(id, "");
    expect(anonymous.status).toBe(401);
  });
});

describe("GET /api/orders", () => {
  it("answers 400 invalid_request for a saleId that is not an id and for a parameter it does not know", async () => {
    const [shopper] = await signInShoppers(1, "list");
    for (const query of ["saleId=garbage", "saleId=1%20OR%201%3D1", "status=pending", "limit=5"]) {
      const res = await call(list.GET, `/api/orders?${query}`, { cookie: shopper! });
      expect(res.status, query).toBe(400);
      expect(res.json).toEqual({ error: { code: "invalid_request", message: expect.any(String) } });
    }
    const all = await call(list.GET, "/api/orders", { cookie: shopper! });
    expect(all.status).toBe(200);
    expect(all.json).toEqual({ orders: [], sales: [] });
  });
});
