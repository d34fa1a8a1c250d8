import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db/client";
import type { NewSale } from "@/db/sales";
import { signInAdmin } from "@/db/testing/admin";
import { freshDatabase } from "@/db/testing/database";
import { call, cookieFrom } from "@/db/testing/http";
import { liveSale } from "@/db/testing/live-sale";
import { stopWebBoss } from "@/jobs/boss";
import * as shopperSession from "@/app/api/session/route";
import * as buy from "@/app/api/sales/[id]/orders/route";
import * as shopperSale from "@/app/api/sales/[id]/route";
import * as saleEnd from "./[id]/end/route";
import * as sale from "./[id]/route";
import * as sales from "./route";

let db: Awaited<ReturnType<typeof freshDatabase>>;
let cookie: string;

const hour = 3600_000;
const valid = () => ({
  name: "Trail Runner 2",
  description: "Light and fast.",
  priceCents: 5900,
  originalPriceCents: 12000,
  stock: 250,
  startsAt: new Date(Date.now() + hour).toISOString(),
  endsAt: new Date(Date.now() + 2 * hour).toISOString(),
});
const seedSale = (overrides: Partial<NewSale> = {}) => liveSale({ name: "Seeded", ...overrides });

const create = (body: unknown) => call(sales.POST, "/api/admin/sales", { method: "POST", body, cookie });
const patch = (id: string, body: unknown) => call(sale.PATCH, `/api/admin/sales/${id}`, { method: "PATCH", params: { id }, body, cookie });
const saleRow = async (id: string) => (await db.sql`SELECT stock, remaining, name, starts_at, ends_at FROM sales WHERE id = ${id}`)[0]!;
const saleCount = async () => (await db.sql`SELECT count(*)::int AS n FROM sales`)[0]!.n;

beforeAll(async () => {
  db = await freshDatabase();
  cookie = await signInAdmin();
});

afterAll(async () => {
  await stopWebBoss();
  await closeDb();
  await db.drop();
});

describe("POST /api/admin/sales", () => {
  it("creates a scheduled sale with all its stock remaining, and lists it with its sell-through", async () => {
    const res = await create(valid());
    expect(res.status).toBe(201);
    expect(res.json.sale).toMatchObject({ name: "Trail Runner 2", priceCents: 5900, stock: 250, remaining: 250, sold: 0, state: "scheduled" });
    expect(res.headers.get("location")).toBe(`/api/admin/sales/${res.json.sale.id}`);
    const list = await call(sales.GET, "/api/admin/sales", { cookie });
    expect(list.json.sales.map((s: { id: string }) => s.id)).toContain(res.json.sale.id);
  });

  it("counts a name's characters as a person does: twenty emoji families are twenty, not 220", async () => {
    const name = `Family pack ${"👨‍👩‍👧‍👦".repeat(20)}`;
    expect(name.length).toBe(232);
    const res = await create({ ...valid(), name });
    expect(res.status).toBe(201);
    expect(res.json.sale.name).toBe(name);
    expect((await create({ ...valid(), name: `${name}${"x".repeat(169)}` })).status).toBe(400);
  });

  type Case = [string, Record<string, unknown>, string];
  const cases: Case[] = [
    ["an empty name", { name: "  " }, "name"],
    ["a name of 201 characters", { name: "a".repeat(201) }, "name"],
    ["a description of 2,001 characters", { description: "é".repeat(2001) }, "description"],
    ["a price of 0", { priceCents: 0 }, "priceCents"],
    ["a price that is not whole cents", { priceCents: 10.5 }, "priceCents"],
    ["an original price below the price", { originalPriceCents: 5000 }, "originalPriceCents"],
    ["no stock", { stock: 0 }, "stock"],
    ["more than a million units", { stock: 1_000_001 }, "stock"],
    ["stock as a string", { stock: "10" }, "stock"],
    ["an end before the start", { endsAt: new Date(Date.now() + hour / 2).toISOString() }, "endsAt"],
    ["an end equal to the start", { endsAt: "START" }, "endsAt"],
    ["a start that is not a time", { startsAt: "tomorrow" }, "startsAt"],
    ["a sale that has already ended", { startsAt: new Date(Date.now() - 2 * hour).toISOString(), endsAt: new Date(Date.now() - hour).toISOString() }, "endsAt"],
    ["an unknown field", { remaining: 5 }, "body"],
  ];
  for (const [what, change, field] of cases) {
    it(`answers 400 for ${what}, naming ${field}, and creates nothing`, async () => {
      const body = { ...valid(), ...change };
      if (body.endsAt === "START") body.endsAt = body.startsAt;
      const before = await saleCount();
      const res = await create(body);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("invalid_request");
      const problem = res.json.error.details.fields[field];
      expect(problem).toEqual(expect.any(String));
      // A field's problem is named after it; one with the body as a whole is a sentence of its own.
      expect(res.json.error.message).toContain(field === "body" ? problem : `${field}: ${problem}`);
      expect(await saleCount()).toBe(before);
    });
  }

  it("reports every bad field at once", async () => {
    const res = await create({ ...valid(), name: "", stock: -1, priceCents: 0 });
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields).toEqual({ name: "is required", priceCents: "must be more than $0", stock: "must be at least 1" });
  });

  it("says a field left out or sent as null is required, and one of the wrong kind what it must be", async () => {
    const { priceCents: _left, ...withoutPrice } = valid();
    const res = await create({ ...withoutPrice, stock: null, startsAt: "next Tuesday", originalPriceCents: "12" });
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields).toEqual({
      priceCents: "is required",
      stock: "is required",
      startsAt: "must be a date and time (ISO 8601)",
      originalPriceCents: "must be a whole number of cents",
    });
  });

  it("reports a rule across fields together with a field that is not even a number (the form sends null)", async () => {
    const body = { ...valid(), stock: null, originalPriceCents: 100 };
    const res = await create({ ...body, endsAt: body.startsAt });
    expect(res.status).toBe(400);
    expect(Object.keys(res.json.error.details.fields).sort()).toEqual(["endsAt", "originalPriceCents", "stock"]);
  });

  it("names a field the form does not have, and what the request takes", async () => {
    const res = await create({ ...valid(), remaining: 1 });
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields).toEqual({
      body: '"remaining" is not a field this request takes (it takes name, description, priceCents, originalPriceCents, stock, startsAt, endsAt)',
    });
    const { id } = await seedSale();
    const edit = await patch(id, { priceCents: 50 });
    expect(edit.status).toBe(400);
    expect(edit.json.error.details.fields.body).toBe('"priceCents" is not a field this request takes (it takes name, description, stock, startsAt, endsAt)');
    expect((await saleRow(id)).stock).toBe(10);
  });

  it("states a problem with the body as a whole as a sentence of its own, beside the fields' problems", async () => {
    const { id } = await seedSale();
    const empty = await patch(id, {});
    expect(empty.status).toBe(400);
    expect(empty.json.error.message).toBe("Send at least one field to change: name, description, stock, startsAt or endsAt.");
    expect(empty.json.error.details.fields).toEqual({ body: "Send at least one field to change: name, description, stock, startsAt or endsAt." });
    const mixed = await create({ ...valid(), stock: -1, remaining: 1 });
    expect(mixed.status).toBe(400);
    expect(mixed.json.error.message).toBe(
      'stock: must be at least 1; "remaining" is not a field this request takes (it takes name, description, priceCents, originalPriceCents, stock, startsAt, endsAt)',
    );
  });

  it("answers 400 for a body that is not a JSON object", async () => {
    const res = await call(sales.POST, "/api/admin/sales", { method: "POST", body: "[1]", headers: { "content-type": "application/json" }, cookie });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
  });
});

describe("PATCH /api/admin/sales/:id", () => {
  it("edits name, description and times", async () => {
    const { id } = await seedSale({ startsAt: new Date(Date.now() + hour), endsAt: new Date(Date.now() + 2 * hour) });
    const startsAt = new Date(Date.now() + 3 * hour).toISOString();
    const endsAt = new Date(Date.now() + 4 * hour).toISOString();
    const res = await patch(id, { name: "New name", description: "New words", startsAt, endsAt });
    expect(res.status).toBe(200);
    expect(res.json.sale).toMatchObject({ name: "New name", description: "New words", startsAt, endsAt });
  });

  it("raises the stock of a live sale and adds the new units to what remains", async () => {
    const { id } = await seedSale({ stock: 10 });
    await db.sql`UPDATE sales SET remaining = 3 WHERE id = ${id}`; // 7 sold
    const res = await patch(id, { stock: 15 });
    expect(res.status).toBe(200);
    expect(res.json.sale).toMatchObject({ stock: 15, remaining: 8, sold: 7 });
    expect(await saleRow(id)).toMatchObject({ stock: 15, remaining: 8 });
  });

  it("refuses to lower the stock once the sale has started (409, field stock) and changes nothing", async () => {
    const { id } = await seedSale({ stock: 10 });
    const res = await patch(id, { stock: 9, name: "Should not stick" });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(res.json.error.details.fields.stock).toMatch(/only go up/);
    expect(await saleRow(id)).toMatchObject({ stock: 10, remaining: 10, name: "Seeded" });
  });

  it("refuses to move the start of a sale that has taken orders into the future (409, field startsAt), so its stock cannot then be lowered under them", async () => {
    const { id } = await seedSale({ stock: 10 });
    const shopper = cookieFrom((await call(shopperSession.POST, "/api/session", { method: "POST", body: { email: "first-in@example.com" } })).res);
    expect((await call(buy.POST, `/api/sales/${id}/orders`, { method: "POST", params: { id }, cookie: shopper })).status).toBe(202);
    const before = await saleRow(id);
    const res = await patch(id, { startsAt: new Date(Date.now() + hour).toISOString(), endsAt: new Date(Date.now() + 2 * hour).toISOString() });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("conflict");
    expect(res.json.error.details.fields.startsAt).toMatch(/cannot move into the future/);
    expect(await saleRow(id)).toMatchObject({ starts_at: before.starts_at, ends_at: before.ends_at });
    expect((await patch(id, { stock: 3 })).status).toBe(409);
    // An earlier start, or a later end, is still an edit like any other.
    const earlier = new Date(Date.now() - 2 * hour).toISOString();
    const later = new Date(Date.now() + 3 * hour).toISOString();
    const ok = await patch(id, { startsAt: earlier, endsAt: later });
    expect(ok.status).toBe(200);
    expect(ok.json.sale).toMatchObject({ startsAt: earlier, endsAt: later, state: "live" });
  });

  it("never lowers the stock under orders accepted as the sale was rescheduled (409, field stock)", async () => {
    const { id } = await seedSale({ stock: 10 });
    const res = await patch(id, { startsAt: new Date(Date.now() + hour).toISOString(), endsAt: new Date(Date.now() + 2 * hour).toISOString() });
    expect(res.status).toBe(200);
    // Three Buys another web process admitted from its cached copy of the sale, still open there for up to a second.
    const shoppers = await db.sql<{ id: string }[]>`
      INSERT INTO users (email) SELECT 'late-' || g || '-' || ${id} || '@example.com' FROM generate_series(1, 3) AS g RETURNING id`;
    for (const shopper of shoppers) await db.sql`INSERT INTO orders (id, sale_id, user_id) VALUES (gen_random_uuid(), ${id}, ${shopper.id})`;
    const refused = await patch(id, { stock: 2 });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe("conflict");
    expect(refused.json.error.details.fields.stock).toMatch(/3 accepted orders are waiting/);
    expect(await saleRow(id)).toMatchObject({ stock: 10, remaining: 10 });
    // Down to exactly what they need is an edit like any other.
    expect((await patch(id, { stock: 3 })).status).toBe(200);
    expect(await saleRow(id)).toMatchObject({ stock: 3, remaining: 3 });
  });

  it("reschedules a sale that never took an order: one ended before it opened, moved to tomorrow, with less stock", async () => {
    const { id } = await seedSale({ stock: 10, startsAt: new Date(Date.now() + hour), endsAt: new Date(Date.now() + 2 * hour) });
    expect((await call(saleEnd.POST, `/api/admin/sales/${id}/end`, { method: "POST", params: { id }, cookie })).status).toBe(200);
    const startsAt = new Date(Date.now() + 24 * hour).toISOString();
    const endsAt = new Date(Date.now() + 25 * hour).toISOString();
    const res = await patch(id, { startsAt, endsAt });
    expect(res.status).toBe(200);
    expect(res.json.sale).toMatchObject({ startsAt, endsAt, state: "scheduled" });
    expect((await patch(id, { stock: 4 })).status).toBe(200);
    expect(await saleRow(id)).toMatchObject({ stock: 4, remaining: 4 });
  });

  it("reschedules a sale that never took an order and lowers its stock in one edit, as the form sends them", async () => {
    const { id } = await seedSale({ stock: 10, startsAt: new Date(Date.now() + hour), endsAt: new Date(Date.now() + 2 * hour) });
    expect((await call(saleEnd.POST, `/api/admin/sales/${id}/end`, { method: "POST", params: { id }, cookie })).status).toBe(200);
    const startsAt = new Date(Date.now() + 24 * hour).toISOString();
    const endsAt = new Date(Date.now() + 25 * hour).toISOString();
    const res = await patch(id, { startsAt, endsAt, stock: 4 });
    expect(res.status).toBe(200);
    expect(res.json.sale).toMatchObject({ startsAt, endsAt, stock: 4, remaining: 4, state: "scheduled" });
    // A live sale that stays started: its stock still only goes up, whatever else the edit changes.
    const live = await seedSale({ stock: 10 });
    expect((await patch(live.id, { endsAt: new Date(Date.now() + 3 * hour).toISOString(), stock: 9 })).status).toBe(409);
  });

  it("lowers the stock of a sale that has not started", async () => {
    const { id } = await seedSale({ stock: 10, startsAt: new Date(Date.now() + hour), endsAt: new Date(Date.now() + 2 * hour) });
    const res = await patch(id, { stock: 4 });
    expect(res.status).toBe(200);
    expect(await saleRow(id)).toMatchObject({ stock: 4, remaining: 4 });
  });

  it("answers 400 for an end before the sale's start, naming endsAt", async () => {
    const { id } = await seedSale();
    const res = await patch(id, { endsAt: new Date(Date.now() - 2 * hour).toISOString() });
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields.endsAt).toBe("must be after the start");
  });

  it.each([
    ["an empty change", {}],
    ["the price, which is not editable", { priceCents: 1 }],
    ["a stock of 0", { stock: 0 }],
  ])("answers 400 for %s", async (_what, body) => {
    const { id } = await seedSale();
    const res = await patch(id, body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_request");
  });

  it("says in a sentence what an empty change is missing", async () => {
    const { id } = await seedSale();
    const res = await patch(id, {});
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields.body).toBe("Send at least one field to change: name, description, stock, startsAt or endsAt.");
  });

  it("answers 404 for an unknown or malformed sale id", async () => {
    for (const id of ["00000000-0000-4000-8000-00000000abcd", "not-a-uuid"]) {
      const res = await patch(id, { name: "x" });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("sale_not_found");
    }
  });
});

describe("POST /api/admin/sales/:id/end", () => {
  it("ends a live sale now: shoppers then get 409 sale_ended, at once on the web process that ended it", async () => {
    const { id } = await seedSale();
    const shopperIn = async (email: string) => cookieFrom((await call(shopperSession.POST, "/api/session", { method: "POST", body: { email } })).res);
    // A Buy just before the end: this process now holds the sale, live, in its one-second cache.
    const early = await call(buy.POST, `/api/sales/${id}/orders`, { method: "POST", params: { id }, cookie: await shopperIn("early@example.com") });
    expect(early.status).toBe(202);

    const res = await call(saleEnd.POST, `/api/admin/sales/${id}/end`, { method: "POST", params: { id }, cookie });
    expect(res.status).toBe(200);
    expect(res.json.sale.state).toBe("ended");
    expect(new Date(res.json.sale.endsAt).getTime()).toBeLessThanOrEqual(Date.now());

    const order = await call(buy.POST, `/api/sales/${id}/orders`, { method: "POST", params: { id }, cookie: await shopperIn("late@example.com") });
    expect(order.status).toBe(409);
    expect(order.json.error.code).toBe("sale_ended");
  });

  it("ends a sold-out sale: the admin's pages read it as ended, a shopper's as sold out (what they saw last)", async () => {
    const { id } = await seedSale({ stock: 1 });
    await db.sql`UPDATE sales SET remaining = 0 WHERE id = ${id}`;
    const res = await call(saleEnd.POST, `/api/admin/sales/${id}/end`, { method: "POST", params: { id }, cookie });
    expect(res.status).toBe(200);
    expect(res.json.sale.state).toBe("ended");
    const admin = await call(sale.GET, `/api/admin/sales/${id}`, { params: { id }, cookie });
    expect(admin.json.sale.state).toBe("ended");
    const shopper = await call(shopperSale.GET, `/api/sales/${id}`, { params: { id } });
    expect(shopper.json.sale.state).toBe("sold_out");
  });

  it("ends a scheduled sale before it ever opens", async () => {
    const { id } = await seedSale({ startsAt: new Date(Date.now() + hour), endsAt: new Date(Date.now() + 2 * hour) });
    const res = await call(saleEnd.POST, `/api/admin/sales/${id}/end`, { method: "POST", params: { id }, cookie });
    expect(res.status).toBe(200);
    expect(res.json.sale.state).toBe("ended");
    const row = await saleRow(id);
    expect(row.ends_at.getTime()).toBeGreaterThan(row.starts_at.getTime());
  });

  it("answers 404 for an unknown sale", async () => {
    const id = "00000000-0000-4000-8000-00000000beef";
    const res = await call(saleEnd.POST, `/api/admin/sales/${id}/end`, { method: "POST", params: { id }, cookie });
    expect(res.status).toBe(404);
  });
});

describe("GET /api/admin/sales", () => {
  it("pages through every sale, newest start first, each once, ties in start time included", async () => {
    // 620 more sales (more than any one answer used to hold), many starting at the same moment and
    // created in one statement (the same created_at).
    await db.sql`
      INSERT INTO sales (name, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
      SELECT 'Paged ' || g, 1000, 2000, 5, 5, date_trunc('hour', now()) + (g % 7) * interval '1 hour', now() + interval '2 days'
      FROM generate_series(1, 620) AS g`;
    const total = (await saleCount()) as number;
    const seen: { id: string; startsAt: string }[] = [];
    let before: string | undefined;
    for (let page = 0; page < 10; page++) {
      // The cursor as the admin's browser might spell it.
      const res = await call(sales.GET, `/api/admin/sales${before ? `?before=${before.toUpperCase()}` : ""}`, { cookie });
      expect(res.status).toBe(200);
      seen.push(...res.json.sales);
      if (!res.json.hasOlder) break;
      expect(res.json.sales).toHaveLength(100);
      before = res.json.sales.at(-1).id;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((s) => s.id)).size).toBe(total);
    const starts = seen.map((s) => Date.parse(s.startsAt));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  it.each([
    ["a cursor that is not a sale id", "before=latest"],
    ["a cursor that names no sale", `before=${randomUUID()}`],
    ["an unknown parameter", "page=2"],
  ])("answers 400 for %s", async (_what, query) => {
    const res = await call(sales.GET, `/api/admin/sales?${query}`, { cookie });
    expect([res.status, res.json.error.code]).toEqual([400, "invalid_request"]);
  });
});
