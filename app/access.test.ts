import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECURITY_HEADERS } from "@/app/_lib/security-headers";
import { STACK_ADMIN_PASSWORD, startStack, type AppStack } from "@/db/testing/app-stack";
import { useTestDatabase } from "@/db/testing/database";
import { waitFor } from "@/db/testing/processes";
import { buyOver, request, signIn } from "@/db/testing/remote";
import { databaseSnapshot } from "@/db/testing/snapshot";

// Who may read and do what, over real HTTP: orders are private, cross-site writes are refused,
// cookies and headers are what a browser needs to keep them safe, and no secret reaches a log line.

const db = useTestDatabase();
let stack: AppStack;
let base: string;
let saleId: string;
const issuedCookies: string[] = [];

async function shopper(email: string): Promise<string> {
  const cookie = await signIn(base, email);
  issuedCookies.push(cookie.split("=")[1]!);
  return cookie;
}

beforeAll(async () => {
  // Debug logging: the most a log line may ever say.
  stack = await startStack({ databaseUrl: db.url, webs: 1, workers: 1, env: { LOG_LEVEL: "debug" } });
  base = stack.webs[0]!.url;
  const [sale] = await db.sql`
    INSERT INTO sales (name, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
    VALUES ('Access', 100, 100, 5, 5, now() - interval '1 second', now() + interval '1 hour') RETURNING id`;
  saleId = sale!.id as string;
});

afterAll(async () => {
  await stack?.stop();
});

describe("access", () => {
  it("another shopper's order is not found, and their list does not show it", async () => {
    const alice = await shopper("alice-access@example.com");
    const bob = await shopper("bob-access@example.com");
    const bought = await buyOver(base, saleId, alice);
    expect(bought.status).toBe(202);
    const orderId = bought.json.order.id as string;

    expect((await request(`${base}/api/orders/${orderId}`, { cookie: alice })).status).toBe(200);
    const asBob = await request(`${base}/api/orders/${orderId}`, { cookie: bob });
    expect(asBob.status).toBe(404);
    expect(asBob.json.error.code).toBe("order_not_found");
    expect((await request(`${base}/api/orders/${orderId}`)).status).toBe(401);
    const bobsList = await request(`${base}/api/orders?saleId=${saleId}`, { cookie: bob });
    expect(bobsList.json).toEqual({ orders: [], sales: [] });
    // A user id in the body is never trusted: Bob's Buy with Alice's real id makes Bob's order.
    const aliceId = (await request(`${base}/api/session`, { cookie: alice })).json.user.id as string;
    const bobBuys = await request(`${base}/api/sales/${saleId}/orders`, { method: "POST", cookie: bob, body: { userId: aliceId, user_id: aliceId } });
    expect(bobBuys.status).toBe(202);
    expect(bobBuys.json.order.id).not.toBe(orderId);
    expect((await request(`${base}/api/orders?saleId=${saleId}`, { cookie: bob })).json.orders.map((o: { id: string }) => o.id)).toEqual([bobBuys.json.order.id]);
    const [owner] = await db.sql`SELECT u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = ${bobBuys.json.order.id}`;
    expect(owner!.email).toBe("bob-access@example.com");
  });

  it("refuses a cross-site POST that carries the shopper's cookie, and changes nothing", async () => {
    const carol = await shopper("carol-access@example.com");
    // The worker settles earlier orders first, so only these requests could change the snapshot.
    await waitFor(async () => {
      const [row] = await db.sql`SELECT count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active')`;
      return row!.n === 0 ? true : undefined;
    }, 30_000, "the queue to be idle");
    const before = await databaseSnapshot(db.sql);
    const forged: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: `http://127.0.0.1.evil.example:${new URL(base).port}` },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { "sec-fetch-site": "sideways" },
    ];
    for (const headers of forged) {
      const res = await buyOver(base, saleId, carol, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.json.error.code).toBe("forbidden");
    }
    // Signing someone in from another site (login CSRF) is refused too.
    const login = await request(`${base}/api/session`, { method: "POST", body: { email: "victim@example.com" }, headers: { origin: "https://evil.example" } });
    expect(login.status).toBe(403);
    expect(await databaseSnapshot(db.sql)).toEqual(before);
    // The same request from the app's own origin goes through.
    const own = await buyOver(base, saleId, carol, { origin: base, "sec-fetch-site": "same-origin" });
    expect(own.status).toBe(202);
  });

  it("sets the session cookie HttpOnly and SameSite=Lax, and Secure behind HTTPS", async () => {
    const plain = await request(`${base}/api/session`, { method: "POST", body: { email: "dave-access@example.com" } });
    const plainCookie = plain.headers.get("set-cookie")!;
    issuedCookies.push(plainCookie.split(";")[0]!.split("=")[1]!);
    expect(plainCookie).toMatch(/; HttpOnly/);
    expect(plainCookie).toMatch(/; SameSite=Lax/);
    expect(plainCookie).toMatch(/; Path=\//);
    expect(plainCookie).not.toMatch(/; Secure/);
    // A TLS-terminating proxy in front says so with X-Forwarded-Proto.
    const tls = await request(`${base}/api/session`, { method: "POST", body: { email: "dave-access@example.com" }, headers: { "x-forwarded-proto": "https" } });
    const tlsCookie = tls.headers.get("set-cookie")!;
    issuedCookies.push(tlsCookie.split(";")[0]!.split("=")[1]!);
    expect(tlsCookie).toMatch(/; HttpOnly/);
    expect(tlsCookie).toMatch(/; SameSite=Lax/);
    expect(tlsCookie).toMatch(/; Secure/);
  });

  it("sends security headers on pages, API answers and errors, its own server's included", async () => {
    for (const path of ["/", `/sales/${saleId}`, "/api/sales", "/api/nothing-here", `/api/sales/${saleId}/orders`]) {
      const res = await request(base + path, { method: path.endsWith("/orders") ? "POST" : "GET" });
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("object-src 'none'");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("x-powered-by"), path).toBeNull();
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), `${path} ${name}`).toBe(value);
    }
    // The answers the web server gives itself, before Next.js: a path whose escapes do not decode.
    for (const path of ["/sales/%E0%A4%A", "/api/sales/%E0%A4%A"]) {
      const res = await request(base + path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get("content-security-policy") ?? "", path).toContain("frame-ancestors 'none'");
      expect(res.headers.get("content-security-policy") ?? "", path).toContain("default-src 'none'");
      // The rest as on Next's answers.
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), `${path} ${name}`).toBe(value);
      if (path.startsWith("/api/")) {
        // The API's answer is the contract's JSON error, with its length declared like every other.
        expect(res.json, path).toEqual({ error: { code: "invalid_request", message: expect.any(String) } });
        expect(res.headers.get("content-length"), path).toBe(String(Buffer.byteLength(res.text)));
      } else expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
    }
  });

  it("never writes a secret, a password or a cookie into a log line", async () => {
    // Requests that are most likely to be logged: failures with cookies and credentials on them.
    const erin = await shopper("erin-access@example.com");
    await request(`${base}/api/sales/${saleId}/orders`, { method: "POST", cookie: erin, body: "{not json", headers: { "content-type": "application/json", authorization: "Bearer do-not-log-me" } });
    await request(`${base}/api/orders/not-an-id`, { cookie: erin });
    await request(`${base}/api/session`, { method: "POST", body: { email: "erin-access@example.com", password: STACK_ADMIN_PASSWORD } });
    await request(`${base}/api/admin/session`, { method: "POST", body: { password: `${STACK_ADMIN_PASSWORD}-wrong` } });
    const adminSignIn = await request(`${base}/api/admin/session`, { method: "POST", body: { password: STACK_ADMIN_PASSWORD } });
    expect(adminSignIn.status).toBe(200);
    const adminCookie = adminSignIn.headers.get("set-cookie")!.split(";")[0]!;
    issuedCookies.push(adminCookie.split("=")[1]!);
    await request(`${base}/api/admin/sales`, { cookie: `${adminCookie}; ${erin}` });
    await request(`${base}/api/admin/sales`, { method: "POST", cookie: adminCookie, body: { name: "" } });
    await new Promise((r) => setTimeout(r, 500));

    const dbPassword = decodeURIComponent(new URL(db.url).password);
    const secrets = { SESSION_SECRET: process.env.SESSION_SECRET!, ADMIN_PASSWORD: STACK_ADMIN_PASSWORD, "database password": dbPassword, bearer: "do-not-log-me" };
    expect(stack.output.length).toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const line of stack.output) {
      for (const [what, value] of Object.entries(secrets)) if (value && line.includes(value)) leaks.push(`${what}: ${line.slice(0, 200)}`);
      for (const token of issuedCookies) if (line.includes(token) || line.includes(token.split(".").pop()!)) leaks.push(`cookie: ${line.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });
});

describe("dependencies", () => {
  it("npm audit finds no high or critical advisory in production dependencies", (ctx) => {
    const audit = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8", timeout: 60_000 });
    const report = (() => {
      try {
        return JSON.parse(audit.stdout) as { metadata?: { vulnerabilities?: Record<string, number> }; error?: unknown };
      } catch {
        return undefined;
      }
    })();
    // Without a reachable advisory database there is nothing to check; say so instead of passing.
    if (!report?.metadata?.vulnerabilities) ctx.skip(`npm audit could not reach an advisory database: ${(audit.stderr || audit.stdout).split("\n").find((l) => /audit|error/i.test(l)) ?? "no report"}`);
    const { high = 0, critical = 0 } = report!.metadata!.vulnerabilities!;
    expect({ high, critical }).toEqual({ high: 0, critical: 0 });
  });
});
