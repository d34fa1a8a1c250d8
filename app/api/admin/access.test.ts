import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db/client";
import { createSale } from "@/db/sales";
import { signInAdmin } from "@/db/testing/admin";
import { freshDatabase } from "@/db/testing/database";
import { call } from "@/db/testing/http";
import { stopWebBoss } from "@/jobs/boss";
import * as deadLetter from "./dead-letters/[id]/route";
import * as deadLetterRetry from "./dead-letters/[id]/retry/route";
import * as deadLetters from "./dead-letters/route";
import * as orderStatus from "./orders/[id]/status/route";
import * as saleEnd from "./sales/[id]/end/route";
import * as saleOrders from "./sales/[id]/orders/route";
import * as sale from "./sales/[id]/route";
import * as saleStats from "./sales/[id]/stats/route";
import * as sales from "./sales/route";
import * as session from "./session/route";
import * as sessions from "./sessions/route";

// Every admin route, as a browser or a script would reach it: without the admin session each one
// answers 401, and a state-changing one sent from another site is refused with 403. Neither changes
// anything.

let db: Awaited<ReturnType<typeof freshDatabase>>;
let cookie: string;
let saleId: string;
const someId = "00000000-0000-4000-8000-000000000001";

beforeAll(async () => {
  db = await freshDatabase();
  cookie = await signInAdmin();
  const row = await createSale({
    name: "Access test",
    priceCents: 1000,
    originalPriceCents: 2000,
    stock: 5,
    startsAt: new Date(Date.now() + 3600_000),
    endsAt: new Date(Date.now() + 7200_000),
  });
  saleId = row.id;
});

afterAll(async () => {
  await stopWebBoss();
  await closeDb();
  await db.drop();
});

type Route = { name: string; handler: unknown; method: string; url: () => string; params: () => Record<string, string>; body?: unknown };
const routes: Route[] = [
  { name: "GET /api/admin/session", handler: session.GET, method: "GET", url: () => "/api/admin/session", params: () => ({}) },
  { name: "GET /api/admin/sales", handler: sales.GET, method: "GET", url: () => "/api/admin/sales", params: () => ({}) },
  {
    name: "POST /api/admin/sales",
    handler: sales.POST,
    method: "POST",
    url: () => "/api/admin/sales",
    params: () => ({}),
    body: { name: "x", priceCents: 100, originalPriceCents: 200, stock: 1, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 60_000).toISOString() },
  },
  { name: "GET /api/admin/sales/:id", handler: sale.GET, method: "GET", url: () => `/api/admin/sales/${saleId}`, params: () => ({ id: saleId }) },
  { name: "PATCH /api/admin/sales/:id", handler: sale.PATCH, method: "PATCH", url: () => `/api/admin/sales/${saleId}`, params: () => ({ id: saleId }), body: { stock: 50 } },
  { name: "POST /api/admin/sales/:id/end", handler: saleEnd.POST, method: "POST", url: () => `/api/admin/sales/${saleId}/end`, params: () => ({ id: saleId }) },
  { name: "GET /api/admin/sales/:id/stats", handler: saleStats.GET, method: "GET", url: () => `/api/admin/sales/${saleId}/stats`, params: () => ({ id: saleId }) },
  { name: "GET /api/admin/sales/:id/orders", handler: saleOrders.GET, method: "GET", url: () => `/api/admin/sales/${saleId}/orders`, params: () => ({ id: saleId }) },
  { name: "PUT /api/admin/orders/:id/status", handler: orderStatus.PUT, method: "PUT", url: () => `/api/admin/orders/${someId}/status`, params: () => ({ id: someId }), body: { status: "shipped" } },
  { name: "GET /api/admin/dead-letters", handler: deadLetters.GET, method: "GET", url: () => "/api/admin/dead-letters", params: () => ({}) },
  { name: "POST /api/admin/dead-letters/:id/retry", handler: deadLetterRetry.POST, method: "POST", url: () => `/api/admin/dead-letters/${someId}/retry`, params: () => ({ id: someId }) },
  { name: "DELETE /api/admin/dead-letters/:id", handler: deadLetter.DELETE, method: "DELETE", url: () => `/api/admin/dead-letters/${someId}`, params: () => ({ id: someId }) },
  { name: "DELETE /api/admin/sessions", handler: sessions.DELETE, method: "DELETE", url: () => "/api/admin/sessions", params: () => ({}) },
];

/** Everything an admin request could change. */
async function snapshot() {
  const [row] = await db.sql`
    SELECT (SELECT count(*)::int FROM sales) AS sales,
           (SELECT json_agg(json_build_object('stock', stock, 'remaining', remaining, 'ends', ends_at) ORDER BY id) FROM sales) AS state,
           (SELECT count(*)::int FROM pgboss.job) AS jobs,
           (SELECT count(*)::int FROM admin_sessions) AS admin_sessions`;
  return row;
}

describe("admin routes without the admin session", () => {
  for (const r of routes) {
    it(`${r.name} answers 401 and changes nothing`, async () => {
      const before = await snapshot();
      const res = await call(r.handler, r.url(), { method: r.method, params: r.params(), body: r.body });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: { code: "unauthenticated", message: expect.any(String) } });
      expect(await snapshot()).toEqual(before);
    });
  }
});

describe("state-changing admin routes called from another site", () => {
  const crossSite: Record<string, string>[] = [
    { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    { origin: "https://evil.example" },
    { "sec-fetch-site": "same-site" },
    // A value the browser's Fetch Metadata does not define: only same-origin and none pass.
    { "sec-fetch-site": "sideways" },
  ];
  for (const r of routes.filter((r) => r.method !== "GET")) {
    it(`${r.name} answers 403 even with the admin's cookie, and changes nothing`, async () => {
      const before = await snapshot();
      for (const headers of crossSite) {
        const res = await call(r.handler, r.url(), { method: r.method, params: r.params(), body: r.body, cookie, headers });
        expect(res.status).toBe(403);
        expect(res.json.error.code).toBe("forbidden");
      }
      expect(await snapshot()).toEqual(before);
    });
  }

  it("accepts the same request from the app's own pages", async () => {
    const res = await call(sale.PATCH, `/api/admin/sales/${saleId}`, {
      method: "PATCH",
      params: { id: saleId },
      body: { name: "Renamed from the admin page" },
      cookie,
      headers: { origin: "http://127.0.0.1", host: "127.0.0.1", "sec-fetch-site": "same-origin" },
    });
    expect(res.status).toBe(200);
    expect(res.json.sale.name).toBe("Renamed from the admin page");
  });

  it("accepts it behind a chain of proxies, whose X-Forwarded-Host names the public host first", async () => {
    const behindProxies = { host: "internal:3000", "x-forwarded-host": "shop.example, internal", "sec-fetch-site": "same-origin" };
    const res = await call(sale.PATCH, `/api/admin/sales/${saleId}`, {
      method: "PATCH",
      params: { id: saleId },
      body: { name: "Renamed behind two proxies" },
      cookie,
      headers: { ...behindProxies, origin: "https://shop.example" },
    });
    expect(res.status).toBe(200);
    expect(res.json.sale.name).toBe("Renamed behind two proxies");
    // The public host is the first entry: another site named later in the chain is still another site.
    const before = await snapshot();
    const forged = await call(sale.PATCH, `/api/admin/sales/${saleId}`, {
      method: "PATCH",
      params: { id: saleId },
      body: { name: "Renamed from elsewhere" },
      cookie,
      headers: { ...behindProxies, "x-forwarded-host": "shop.example, evil.example", origin: "https://evil.example" },
    });
    expect(forged.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });
});
