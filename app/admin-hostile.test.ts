import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "@/app/_lib/cookies";
import { ADMIN_COOKIE } from "@/app/_lib/admin-session";
import { STACK_ADMIN_PASSWORD, startStack, type AppStack } from "@/db/testing/app-stack";
import { useTestDatabase } from "@/db/testing/database";
import { request, signIn, type RequestOptions } from "@/db/testing/remote";
import { databaseSnapshot } from "@/db/testing/snapshot";

// Hostile input on the admin side, through real HTTP: shoppers and forged cookies on admin routes and
// pages, and an admin's forms filled with what no sale can be. Each is a clear JSON error (or, for a
// page, a redirect to the admin sign-in) and the database is exactly as it was.

const db = useTestDatabase();
let stack: AppStack;
let base: string;
let saleId: string;
let shopper: string;
let admin: string;

beforeAll(async () => {
  stack = await startStack({ databaseUrl: db.url, webs: 1, workers: 0, env: { RATE_LIMIT_LOGIN_PER_MINUTE: "1000" } });
  base = stack.webs[0]!.url;
  const [sale] = await db.sql`
    INSERT INTO sales (name, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
    VALUES ('Admin hostile', 100, 100, 5, 5, now() - interval '1 second', now() + interval '1 hour') RETURNING id`;
  saleId = sale!.id as string;
  shopper = await signIn(base, "admin-hostile-shopper@example.com");
  const res = await request(`${base}/api/admin/session`, { method: "POST", body: { password: STACK_ADMIN_PASSWORD } });
  expect(res.status).toBe(200);
  admin = res.headers.get("set-cookie")!.split(";")[0]!;
});

afterAll(async () => {
  await stack?.stop();
});

const secret = () => process.env.SESSION_SECRET!;
const adminCookieFor = (fields: string[], ttl: number, key = secret()) => `${ADMIN_COOKIE}=${signToken(key, fields, ttl)}`;
// The fields of the real admin cookie (`admin.<password tag>.<session id>.<expiry>.<mac>`), so a forged
// one differs from it in one thing only.
const liveTag = () => admin.split("=")[1]!.split(".")[1]!;
const liveSessionId = () => admin.split("=")[1]!.split(".")[2]!;
const hour = 3600_000;
const goodSale = () => ({
  name: "Fine sale",
  priceCents: 1000,
  originalPriceCents: 2000,
  stock: 10,
  startsAt: new Date(Date.now() + hour).toISOString(),
  endsAt: new Date(Date.now() + 2 * hour).toISOString(),
});

type Case = { name: string; method: string; path: () => string; options: () => RequestOptions; status: number; code: string; field?: string };

const asShopper = (method: string, path: () => string, body?: unknown): Case => ({
  name: `a shopper's cookie on ${method} ${path.toString().replace(/^\(\) => /, "")}`,
  method,
  path,
  options: () => ({ cookie: shopper, body }),
  status: 401,
  code: "unauthenticated",
});

const form = (name: string, change: Record<string, unknown>, field: string): Case => ({
  name: `create a sale with ${name}`,
  method: "POST",
  path: () => "/api/admin/sales",
  options: () => ({ cookie: admin, body: { ...goodSale(), ...change } }),
  status: 400,
  code: "invalid_request",
  field,
});

const cases: Case[] = [
  asShopper("GET", () => "/api/admin/sales"),
  asShopper("POST", () => "/api/admin/sales", goodSale()),
  asShopper("GET", () => `/api/admin/sales/${saleId}/stats`),
  asShopper("PATCH", () => `/api/admin/sales/${saleId}`, { stock: 1000 }),
  asShopper("GET", () => "/api/admin/dead-letters"),
  asShopper("PUT", () => `/api/admin/orders/${randomUUID()}/status`, { status: "cancelled" }),
  { name: "a shopper's token in the admin cookie", method: "GET", path: () => "/api/admin/sales", options: () => ({ cookie: `${ADMIN_COOKIE}=${shopper.split("=")[1]}` }), status: 401, code: "unauthenticated" },
  { name: "a forged admin cookie", method: "GET", path: () => "/api/admin/sales", options: () => ({ cookie: adminCookieFor(["admin", liveTag(), liveSessionId()], 3600, "not-the-apps-secret-0123456789-0123456789") }), status: 401, code: "unauthenticated" },
  { name: "an admin cookie from an old password", method: "GET", path: () => "/api/admin/sales", options: () => ({ cookie: adminCookieFor(["admin", "stale-password-tag", liveSessionId()], 3600) }), status: 401, code: "unauthenticated" },
  { name: "a truncated admin cookie", method: "GET", path: () => "/api/admin/sales", options: () => ({ cookie: admin.slice(0, -5) }), status: 401, code: "unauthenticated" },
  { name: "a wrong admin password", method: "POST", path: () => "/api/admin/session", options: () => ({ body: { password: "' OR '1'='1" } }), status: 401, code: "unauthenticated" },
  { name: "an admin password of the wrong type", method: "POST", path: () => "/api/admin/session", options: () => ({ body: { password: ["x"] } }), status: 400, code: "invalid_request" },
  form("a negative price", { priceCents: -100 }, "priceCents"),
  form("a zero price", { priceCents: 0 }, "priceCents"),
  form("a fractional price", { priceCents: 10.5 }, "priceCents"),
  form("a huge price", { priceCents: 1e15, originalPriceCents: 1e15 }, "priceCents"),
  form("a price as a string", { priceCents: "1000" }, "priceCents"),
  form("zero stock", { stock: 0 }, "stock"),
  form("negative stock", { stock: -5 }, "stock"),
  form("fractional stock", { stock: 2.5 }, "stock"),
  form("huge stock", { stock: 1e12 }, "stock"),
  form("an original price below the price", { originalPriceCents: 500 }, "originalPriceCents"),
  form("an end before the start", { endsAt: new Date(Date.now() + hour / 2).toISOString() }, "endsAt"),
  form("an end equal to the start", { endsAt: new Date(Date.now() + hour).toISOString(), startsAt: new Date(Date.now() + hour).toISOString() }, "endsAt"),
  form("a time that is not a time", { startsAt: "tomorrow at noon" }, "startsAt"),
  form("a start in the year 0", { startsAt: "0000-01-01T00:00:00Z" }, "startsAt"),
  form("an end in the year 10000 once in UTC", { endsAt: "9999-12-31T23:59:59-14:00" }, "endsAt"),
  form("an empty name", { name: "   " }, "name"),
  form("a 201-character name", { name: "n".repeat(201) }, "name"),
  form("an unknown field", { remaining: 0 }, "body"),
  form("a NUL character in the name", { name: "Flash\u0000sale" }, "name"),
  { name: "edit a description to hold a NUL character", method: "PATCH", path: () => `/api/admin/sales/${saleId}`, options: () => ({ cookie: admin, body: { description: "a\u0000b" } }), status: 400, code: "invalid_request", field: "description" },
  { name: "search orders for a NUL character", method: "GET", path: () => `/api/admin/sales/${saleId}/orders?q=%00`, options: () => ({ cookie: admin }), status: 400, code: "invalid_request" },
  { name: "create a sale from an array", method: "POST", path: () => "/api/admin/sales", options: () => ({ cookie: admin, body: `[${JSON.stringify(goodSale())}]`, headers: { "content-type": "application/json" } }), status: 400, code: "invalid_request" },
  { name: "create a sale from invalid JSON", method: "POST", path: () => "/api/admin/sales", options: () => ({ cookie: admin, body: `{"name": "x",`, headers: { "content-type": "application/json" } }), status: 400, code: "invalid_json" },
  { name: "edit a sale to negative stock", method: "PATCH", path: () => `/api/admin/sales/${saleId}`, options: () => ({ cookie: admin, body: { stock: -1 } }), status: 400, code: "invalid_request" },
  { name: "edit a live sale's stock downward", method: "PATCH", path: () => `/api/admin/sales/${saleId}`, options: () => ({ cookie: admin, body: { stock: 1 } }), status: 409, code: "conflict" },
  { name: "edit a sale's start to the year 0", method: "PATCH", path: () => `/api/admin/sales/${saleId}`, options: () => ({ cookie: admin, body: { startsAt: "0000-06-01T00:00:00Z" } }), status: 400, code: "invalid_request", field: "startsAt" },
  { name: "edit a sale with nothing", method: "PATCH", path: () => `/api/admin/sales/${saleId}`, options: () => ({ cookie: admin, body: {} }), status: 400, code: "invalid_request" },
  { name: "edit a sale by path traversal", method: "PATCH", path: () => "/api/admin/sales/..%2F..%2Fetc%2Fpasswd", options: () => ({ cookie: admin, body: { stock: 10 } }), status: 404, code: "sale_not_found" },
  { name: "an order status that does not exist", method: "PUT", path: () => `/api/admin/orders/${randomUUID()}/status`, options: () => ({ cookie: admin, body: { status: "refunded" } }), status: 400, code: "invalid_request" },
  { name: "an order status by an SQL-looking id", method: "PUT", path: () => `/api/admin/orders/${encodeURIComponent("1; DELETE FROM orders")}/status`, options: () => ({ cookie: admin, body: { status: "shipped" } }), status: 400, code: "invalid_request" },
];

describe("hostile input on the admin side", () => {
  it("answers every case with a clear JSON error and leaves the database unchanged", async () => {
    const before = await databaseSnapshot(db.sql);
    const wrong: string[] = [];
    for (const c of cases) {
      const res = await request(base + c.path(), { method: c.method, ...c.options() });
      const isShaped =
        res.headers.get("content-type")?.startsWith("application/json") &&
        Object.keys(res.json ?? {}).join() === "error" &&
        res.json.error.code === c.code &&
        typeof res.json.error.message === "string" &&
        res.json.error.message.length > 0 &&
        (c.field === undefined || typeof res.json.error.details?.fields?.[c.field] === "string") &&
        !/\n\s+at /.test(res.text);
      if (res.status !== c.status || !isShaped) wrong.push(`${c.name}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
    expect(await databaseSnapshot(db.sql)).toEqual(before);
  });

  it("takes the admin cookie's own fields signed afresh with the app's secret: each forged one above differs from it in one thing", async () => {
    expect((await request(`${base}/api/admin/sales`, { cookie: adminCookieFor(["admin", liveTag(), liveSessionId()], 3600) })).status).toBe(200);
  });

  it("admin pages send a shopper, or anyone without the admin session, to the admin sign-in", async () => {
    for (const path of ["/admin", `/admin/sales/${saleId}`, "/admin/sales/new", "/admin/dead-letters"]) {
      for (const cookie of [shopper, undefined]) {
        const res = await request(base + path, { cookie });
        expect([302, 303, 307], path).toContain(res.status);
        expect(res.headers.get("location"), path).toMatch(/\/admin\/login/);
        expect(res.text, path).not.toContain("Admin hostile");
      }
    }
  });

  it("keeps emoji, right-to-left and SQL-looking names exactly as typed", async () => {
    for (const name of ["Flash 🔥 sale 👟", "تخفيضات كبيرة", "שלום sale", "Robert'); DROP TABLE sales; --"]) {
      const created = await request(`${base}/api/admin/sales`, { method: "POST", cookie: admin, body: { ...goodSale(), name } });
      expect(created.status, name).toBe(201);
      const shown = await request(`${base}/api/sales/${created.json.sale.id}`);
      expect(shown.json.sale.name).toBe(name);
    }
    const [row] = await db.sql`SELECT count(*)::int AS n FROM sales`;
    expect(row!.n).toBe(5);
  });

  it("logs what the admin changed and every sign-in refused, for the operator to find afterwards", async () => {
    // Only the lines this test's own requests wrote: the cases above have logged refusals of their own.
    const from = stack.output.length;
    const logged = (msg: string) => stack.output.slice(from).filter((line) => line.includes(`"msg":"${msg}"`));
    const client = "198.51.100.177";
    const wrong = await request(`${base}/api/admin/session`, { method: "POST", body: { password: "not-the-password" }, headers: { "x-forwarded-for": client } });
    expect(wrong.status).toBe(401);
    const ended = await request(`${base}/api/admin/sales/${saleId}/end`, { method: "POST", cookie: admin, body: {} });
    expect(ended.status).toBe(200);
    const refused = await request(`${base}/api/admin/sales/${saleId}`, { method: "PATCH", cookie: admin, body: { stock: 1 } });
    expect(refused.status).toBe(409);
    await expect.poll(() => logged("admin sign-in with a wrong password").some((l) => l.includes(`"client":"${client}"`))).toBe(true);
    await expect.poll(() => logged("admin action").some((l) => l.includes(`/api/admin/sales/${saleId}/end`) && l.includes(`"status":200`))).toBe(true);
    await expect.poll(() => logged("admin action refused").some((l) => l.includes(`/api/admin/sales/${saleId}`) && l.includes(`"code":"conflict"`))).toBe(true);
    // No secret in any of it.
    expect(stack.output.filter((line) => line.includes("not-the-password") || line.includes(STACK_ADMIN_PASSWORD))).toEqual([]);
  });
});
