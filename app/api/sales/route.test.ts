import { describe, expect, it } from "vitest";
import { createSale } from "@/db/sales";
import { useTestDatabase } from "@/db/testing/database";
import { liveSale } from "@/db/testing/live-sale";
import { call } from "@/db/testing/http";
import * as one from "./[id]/route";
import * as list from "./route";

const db = useTestDatabase();

const hour = 3600_000;

describe("GET /api/sales and /api/sales/:id", () => {
  it("lists every sale with its state computed from the clock and the remaining stock", async () => {
    const now = Date.now();
    const base = { priceCents: 1500, originalPriceCents: 3000, stock: 5 };
    const scheduled = await createSale({ ...base, name: "Later", startsAt: new Date(now + hour), endsAt: new Date(now + 2 * hour) });
    const live = await createSale({ ...base, name: "Now", startsAt: new Date(now - hour), endsAt: new Date(now + hour) });
    const soldOut = await createSale({ ...base, name: "Gone", startsAt: new Date(now - hour), endsAt: new Date(now + hour) });
    const ended = await createSale({ ...base, name: "Over", startsAt: new Date(now - 2 * hour), endsAt: new Date(now - hour) });
    await db.sql`UPDATE sales SET remaining = 0 WHERE id = ${soldOut.id}`;

    const res = await call(list.GET, "/api/sales");
    expect(res.status).toBe(200);
    const states = Object.fromEntries(res.json.sales.map((s: { id: string; state: string }) => [s.id, s.state]));
    expect(states).toEqual({ [scheduled.id]: "scheduled", [live.id]: "live", [soldOut.id]: "sold_out", [ended.id]: "ended" });

    const detail = await call(one.GET, `/api/sales/${live.id}`, { params: { id: live.id } });
    expect(detail.status).toBe(200);
    expect(detail.json.sale).toEqual({
      id: live.id,
      name: "Now",
      description: "",
      priceCents: 1500,
      originalPriceCents: 3000,
      stock: 5,
      remaining: 5,
      startsAt: live.startsAt.toISOString(),
      endsAt: live.endsAt.toISOString(),
      state: "live",
    });
  });

  it("answers every page's poll within a second from one read of the sale, and lets a shared cache keep it a second", async () => {
    const sale = await liveSale({ priceCents: 700, originalPriceCents: 900, stock: 5, name: "Polled" });
    const poll = () => call(one.GET, `/api/sales/${sale.id}`, { params: { id: sale.id } });
    const first = await poll();
    expect([first.status, first.json.sale.remaining]).toEqual([200, 5]);
    expect(first.headers.get("cache-control")).toBe("public, max-age=0, s-maxage=1");
    // Two units sold (the worker's allocation) just after: the polls of 200 pages within the same second
    // are answered from the copy already read, none of them from the database.
    await db.sql`UPDATE sales SET remaining = 3 WHERE id = ${sale.id}`;
    const polls = await Promise.all(Array.from({ length: 200 }, poll));
    expect(new Set(polls.map((p) => p.json.sale.remaining))).toEqual(new Set([5]));
    // A second on, the next poll reads the sale again.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await poll()).json.sale.remaining).toBe(3);
  });

  it("answers 404 sale_not_found for an unknown or malformed id", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "'; DROP TABLE sales; --"]) {
      const res = await call(one.GET, `/api/sales/${encodeURIComponent(id)}`, { params: { id } });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("sale_not_found");
    }
  });
});
