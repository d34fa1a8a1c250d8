import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { signToken } from "@/app/_lib/cookies";
import { SESSION_COOKIE, sessionSecret } from "@/app/_lib/session";
import { liveSale } from "@/db/testing/live-sale";
import { useTestDatabase } from "@/db/testing/database";
import { call, cookieFrom } from "@/db/testing/http";
import * as session from "@/app/api/session/route";
import * as orders from "./route";
import { databaseSnapshot } from "@/db/testing/snapshot";

const db = useTestDatabase();
let cookie: string;

const hour = 3600_000;
const sale = liveSale;

/** Everything an order attempt could change: every row of the users, sales, orders and jobs. */
const snapshot = () => databaseSnapshot(db.sql);

function buy(saleId: string, options: Parameters<typeof call>[2] = {}) {
  return call(orders.POST, `/api/sales/${saleId}/orders`, { method: "POST", params: { id: saleId }, cookie, ...options });
}

beforeAll(async () => {
  const res = await call(session.POST, "/api/session", { method: "POST", body: { email: "shopper@example.com" } });
  cookie = cookieFrom(res.res);
});

describe("POST /api/sales/:id/orders", () => {
  it("accepts a Buy with 202, a Location and a status URL, and a repeat click gets the same order with 200", async () => {
    const { id } = await sale();
    const first = await buy(id);
    expect(first.status).toBe(202);
    expect(first.json.order).toMatchObject({ saleId: id, status: "pending", failureReason: null, position: 0 });
    expect(first.json.statusUrl).toBe(`/api/orders/${first.json.order.id}`);
    expect(first.headers.get("location")).toBe(first.json.statusUrl);

    const again = await buy(id, { body: {} });
    expect(again.status).toBe(200);
    expect(again.json.order.id).toBe(first.json.order.id);
    expect(again.headers.get("location")).toBeNull();

    const [counts] = await db.sql`SELECT count(*)::int AS orders,
      (SELECT count(*)::int FROM pgboss.job WHERE name = 'place-order' AND data->>'orderId' = ${first.json.order.id}) AS jobs
      FROM orders WHERE sale_id = ${id}`;
    expect(counts).toEqual({ orders: 1, jobs: 1 });
  });

  it("accepts a bodiless Buy that declares Content-Length: 0, as browsers send it", async () => {
    const { id } = await sale();
    const res = await buy(id, { headers: { "content-length": "0" } });
    expect(res.status).toBe(202);
    expect(res.json.order).toMatchObject({ saleId: id, status: "pending" });
  });

  it("accepts a JSON object whatever its Content-Type says, as fetch with a string body and curl -d send it", async () => {
    for (const type of ["text/plain;charset=UTF-8", "application/x-www-form-urlencoded"]) {
      const { id } = await sale();
      const res = await buy(id, { body: "{}", headers: { "content-type": type } });
      expect(res.status, type).toBe(202);
      expect(res.json.order).toMatchObject({ saleId: id, status: "pending" });
    }
  });

  it("counts the orders ahead in the line", async () => {
    const { id } = await sale();
    const others = [];
    for (const email of ["p1@example.com", "p2@example.com"]) {
      const res = await call(session.POST, "/api/session", { method: "POST", body: { email } });
      others.push(cookieFrom(res.res));
    }
    const a = await buy(id, { cookie: others[0] });
    const b = await buy(id, { cookie: others[1] });
    expect(a.json.order.position).toBe(0);
    expect(b.json.order.position).toBe(1);
  });

  type Case = { name: string; status: number; code: string; setup: () => Promise<{ saleId: string; options?: Parameters<typeof call>[2] }> };
  const cases: Case[] = [
    { name: "invalid JSON", status: 400, code: "invalid_json", setup: async () => ({ saleId: (await sale()).id, options: { body: "{oops", headers: { "content-type": "application/json" } } }) },
    { name: "a JSON array instead of an object", status: 400, code: "invalid_request", setup: async () => ({ saleId: (await sale()).id, options: { body: "[1,2]", headers: { "content-type": "application/json" } } }) },
    { name: "a body that is not JSON", status: 400, code: "invalid_request", setup: async () => ({ saleId: (await sale()).id, options: { body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } } }) },
    { name: "a malformed Idempotency-Key", status: 400, code: "invalid_request", setup: async () => ({ saleId: (await sale()).id, options: { headers: { "idempotency-key": "x".repeat(201) } } }) },
    { name: "no session", status: 401, code: "unauthenticated", setup: async () => ({ saleId: (await sale()).id, options: { cookie: "" } }) },
    { name: "no session, with a malformed Idempotency-Key", status: 401, code: "unauthenticated", setup: async () => ({ saleId: (await sale()).id, options: { cookie: "", headers: { "idempotency-key": " " } } }) },
    { name: "a forged session cookie", status: 401, code: "unauthenticated", setup: async () => ({ saleId: (await sale()).id, options: { cookie: cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A")) } }) },
    {
      name: "an expired session cookie of a shopper who exists",
      status: 401,
      code: "unauthenticated",
      setup: async () => ({ saleId: (await sale()).id, options: { cookie: `${SESSION_COOKIE}=${signToken(sessionSecret(), [/=([0-9a-f-]{36})\./.exec(cookie)![1]!], -60)}` } }),
    },
    {
      name: "a validly signed session for a shopper this database does not have",
      status: 401,
      code: "unauthenticated",
      setup: async () => ({ saleId: (await sale()).id, options: { cookie: `${SESSION_COOKIE}=${signToken(sessionSecret(), [randomUUID()], 3600)}` } }),
    },
    { name: "an unknown sale", status: 404, code: "sale_not_found", setup: async () => ({ saleId: "00000000-0000-4000-8000-000000000000" }) },
    { name: "a malformed sale id", status: 404, code: "sale_not_found", setup: async () => ({ saleId: "..%2F..%2Fetc" }) },
    { name: "a sale that has not started", status: 409, code: "sale_not_started", setup: async () => ({ saleId: (await sale({ startsAt: new Date(Date.now() + hour), endsAt: new Date(Date.now() + 2 * hour) })).id }) },
    { name: "a sale that has ended", status: 409, code: "sale_ended", setup: async () => ({ saleId: (await sale({ startsAt: new Date(Date.now() - 2 * hour), endsAt: new Date(Date.now() - hour) })).id }) },
    {
      name: "a sold-out sale",
      status: 410,
      code: "sold_out",
      setup: async () => {
        const { id } = await sale({ stock: 1 });
        await db.sql`UPDATE sales SET remaining = 0 WHERE id = ${id}`;
        return { saleId: id };
      },
    },
    { name: "a body over 16 KiB", status: 413, code: "payload_too_large", setup: async () => ({ saleId: (await sale()).id, options: { body: JSON.stringify({ pad: "x".repeat(16 * 1024) }), headers: { "content-type": "application/json" } } }) },
    {
      name: "a body over 16 KiB sent without a Content-Length",
      status: 413,
      code: "payload_too_large",
      setup: async () => {
        const chunk = new TextEncoder().encode("x".repeat(4096));
        let sent = 0;
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent++ < 5) controller.enqueue(chunk);
            else controller.close();
          },
        });
        return { saleId: (await sale()).id, options: { body: stream, headers: { "content-type": "application/json" } } };
      },
    },
    {
      name: "a declared Content-Length over 16 KiB, before any of the body is read",
      status: 413,
      code: "payload_too_large",
      setup: async () => {
        // A body that never arrives: answering at all proves it was not waited for.
        const stream = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
        return { saleId: (await sale()).id, options: { body: stream, headers: { "content-type": "application/json", "content-length": "1000000" } } };
      },
    },
    {
      name: "JSON nested 8,000 deep",
      status: 400,
      code: "invalid_request",
      setup: async () => ({ saleId: (await sale()).id, options: { body: "[".repeat(8000) + "]".repeat(8000), headers: { "content-type": "application/json" } } }),
    },
  ];

  it("answers a deeply nested JSON object at once, without stalling the process", async () => {
    const { id } = await sale();
    const depth = 2500;
    const started = performance.now();
    const res = await buy(id, { body: '{"a":'.repeat(depth) + "1" + "}".repeat(depth), headers: { "content-type": "application/json" } });
    expect(res.status).toBe(202);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  for (const c of cases) {
    it(`answers ${c.status} ${c.code} for ${c.name}, and changes nothing`, async () => {
      const { saleId, options } = await c.setup();
      const before = await snapshot();
      const res = await buy(saleId, options);
      expect(res.status).toBe(c.status);
      expect(res.json).toEqual({ error: { code: c.code, message: expect.any(String) } });
      expect(res.json.error.message.length).toBeGreaterThan(5);
      expect(await snapshot()).toEqual(before);
    });
  }
});
