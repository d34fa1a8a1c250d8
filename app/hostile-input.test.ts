import { randomUUID } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "@/app/_lib/cookies";
import { SESSION_COOKIE } from "@/app/_lib/session";
import { startStack, type AppStack } from "@/db/testing/app-stack";
import { useTestDatabase } from "@/db/testing/database";
import { request, signIn, type RequestOptions } from "@/db/testing/remote";
import { databaseSnapshot } from "@/db/testing/snapshot";

// Hostile input through real HTTP (a production web process): each request gets a clear JSON error in the
// contract's shape, and the database is exactly as it was before any of them.

const db = useTestDatabase();
let stack: AppStack;
let base: string;
let saleId: string;
let shopper: string;
let other: string;

beforeAll(async () => {
  // Sign-in failures count against the sign-in limit like any other; this file is about the answers.
  stack = await startStack({ databaseUrl: db.url, webs: 1, workers: 0, env: { RATE_LIMIT_LOGIN_PER_MINUTE: "1000" } });
  base = stack.webs[0]!.url;
  const [sale] = await db.sql`
    INSERT INTO sales (name, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
    VALUES ('Hostile', 100, 100, 5, 5, now() - interval '1 second', now() + interval '1 hour') RETURNING id`;
  saleId = sale!.id as string;
  shopper = await signIn(base, "hostile-shopper@example.com");
  other = await signIn(base, "hostile-other@example.com");
});

afterAll(async () => {
  await stack?.stop();
});

const secret = () => process.env.SESSION_SECRET!;
// The refused session cookies name a shopper who exists, and each differs from an accepted one in one
// thing only (its key, its expiry, its user), so a refusal is that check's and no other's.
const idIn = (cookie: string) => /=([0-9a-f-]{36})\./.exec(cookie)![1]!;
const WRONG_KEY = "a-secret-that-is-not-the-apps-0123456789";
const sessionFor = (fields: string[], ttlSeconds: number, key = secret()) => `${SESSION_COOKIE}=${signToken(key, fields, ttlSeconds)}`;
const json = { "content-type": "application/json" };
const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...Buffer.from(p, "utf8")] : p)));
const oversized = `{"email":"${"a".repeat(16 * 1024 - 11)}"}`;
function streamOf(text: string): ReadableStream<Uint8Array> {
  const chunks = text.match(/[\s\S]{1,4096}/g)!.map((c) => Buffer.from(c));
  return new ReadableStream({ pull: (controller) => (chunks.length ? controller.enqueue(chunks.shift()!) : controller.close()) });
}

type Case = { name: string; method?: string; path: () => string; options: () => RequestOptions; status: number; code: string | string[] };

const signInCases: Case[] = [
  ["invalid JSON", `{"email":`, "invalid_json"],
  ["truncated JSON", `{"email": "a@example.com"`, "invalid_json"],
  ["a wrong type", `{"email": 42}`, "invalid_request"],
  ["an unknown field", `{"email": "a@example.com", "isAdmin": true}`, "invalid_request"],
  ["an array where an object goes", `[{"email": "a@example.com"}]`, "invalid_request"],
  ["a string where an object goes", `"a@example.com"`, "invalid_request"],
  ["a number where an object goes", `42`, "invalid_request"],
  ["null where an object goes", `null`, "invalid_request"],
  ["deeply nested JSON", `{"email": ${"[".repeat(5000)}${"]".repeat(5000)}}`, "invalid_request"],
  ["a deeply nested array", `${"[".repeat(8000)}${"]".repeat(8000)}`, "invalid_request"],
  ["an escaped NUL byte in the email", `{"email": "a\\u0000@example.com"}`, "invalid_request"],
  ["an emoji email", `{"email": "😀@example.com"}`, "invalid_request"],
  ["a right-to-left email", `{"email": "مرحبا@example.com"}`, "invalid_request"],
  ["an SQL-looking email", `{"email": "x@example.com'; DROP TABLE users; --"}`, "invalid_request"],
].map(([name, body, code]) => ({ name: `sign-in with ${name}`, method: "POST", path: () => "/api/session", options: () => ({ body: body!, headers: json }), status: 400, code: code! }));

const cases: Case[] = [
  ...signInCases,
  { name: "sign-in with a raw NUL byte", method: "POST", path: () => "/api/session", options: () => ({ body: bytes(`{"email": "a`, [0], `@example.com"}`), headers: json }), status: 400, code: "invalid_json" },
  { name: "sign-in with invalid UTF-8", method: "POST", path: () => "/api/session", options: () => ({ body: bytes(`{"email": "`, [0xff, 0xfe, 0xc3], `@example.com"}`), headers: json }), status: 400, code: "invalid_json" },
  { name: "sign-in as a form post", method: "POST", path: () => "/api/session", options: () => ({ body: "email=a%40example.com", headers: { "content-type": "application/x-www-form-urlencoded" } }), status: 400, code: "invalid_request" },
  // A JSON object is read whatever its Content-Type, so a cross-site text/plain post (no preflight) is
  // refused by the cross-site check: nobody can sign a visitor in from another site.
  { name: "sign-in as text/plain from another site", method: "POST", path: () => "/api/session", options: () => ({ body: `{"email": "a@example.com"}`, headers: { "content-type": "text/plain", origin: "https://elsewhere.example", "sec-fetch-site": "cross-site" } }), status: 403, code: "forbidden" },
  { name: "sign-in with 16 KiB + 1 bytes", method: "POST", path: () => "/api/session", options: () => ({ body: oversized, headers: json }), status: 413, code: "payload_too_large" },
  { name: "sign-in with 16 KiB + 1 bytes, chunked, no Content-Length", method: "POST", path: () => "/api/session", options: () => ({ body: streamOf(oversized), headers: json }), status: 413, code: "payload_too_large" },
  { name: "buy with invalid JSON", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ body: `{"quantity": `, headers: json, cookie: shopper }), status: 400, code: "invalid_json" },
  { name: "buy with an array body", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ body: `[1, 2]`, headers: json, cookie: shopper }), status: 400, code: "invalid_request" },
  { name: "buy with a scalar body", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ body: `true`, headers: json, cookie: shopper }), status: 400, code: "invalid_request" },
  { name: "buy with 16 KiB + 1 bytes", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ body: oversized, headers: json, cookie: shopper }), status: 413, code: "payload_too_large" },
  { name: "buy with a 201-character Idempotency-Key", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ cookie: shopper, headers: { "idempotency-key": "k".repeat(201) } }), status: 400, code: "invalid_request" },
  { name: "buy without a session", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({}), status: 401, code: "unauthenticated" },
  { name: "buy with a forged session cookie", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ cookie: sessionFor([idIn(shopper)], 3600, WRONG_KEY) }), status: 401, code: "unauthenticated" },
  { name: "buy with a truncated session cookie", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ cookie: shopper.slice(0, -6) }), status: 401, code: "unauthenticated" },
  { name: "buy with an expired session cookie", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ cookie: sessionFor([idIn(shopper)], -60) }), status: 401, code: "unauthenticated" },
  { name: "buy with a signed cookie whose user is not an id", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ cookie: sessionFor(["' OR 1=1 --"], 3600) }), status: 401, code: "unauthenticated" },
  { name: "buy with a cookie whose user id was swapped for another shopper's", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ cookie: shopper.replace(idIn(shopper), idIn(other)) }), status: 401, code: "unauthenticated" },
  { name: "buy with an SQL-looking sale id", method: "POST", path: () => `/api/sales/${encodeURIComponent("1' OR '1'='1")}/orders`, options: () => ({ cookie: shopper }), status: 404, code: "sale_not_found" },
  { name: "buy with path traversal in the sale id", method: "POST", path: () => "/api/sales/..%2F..%2Fetc%2Fpasswd/orders", options: () => ({ cookie: shopper }), status: 404, code: ["sale_not_found", "not_found"] },
  { name: "buy with a 2,000-character sale id", method: "POST", path: () => `/api/sales/${"9".repeat(2000)}/orders`, options: () => ({ cookie: shopper }), status: 404, code: "sale_not_found" },
  { name: "buy in a sale that does not exist", method: "POST", path: () => `/api/sales/${randomUUID()}/orders`, options: () => ({ cookie: shopper }), status: 404, code: "sale_not_found" },
  { name: "an order by path traversal", path: () => "/api/orders/..%2F..%2Fetc%2Fpasswd", options: () => ({ cookie: shopper }), status: 404, code: ["order_not_found", "not_found"] },
  { name: "an order by an encoded NUL byte", path: () => "/api/orders/%00", options: () => ({ cookie: shopper }), status: 404, code: "order_not_found" },
  { name: "a sale by an SQL-looking id", path: () => `/api/sales/${encodeURIComponent("x' UNION SELECT * FROM users --")}`, options: () => ({}), status: 404, code: "sale_not_found" },
  { name: "the session with a forged cookie", path: () => "/api/session", options: () => ({ cookie: sessionFor([idIn(shopper)], 3600, WRONG_KEY) }), status: 401, code: "unauthenticated" },
  { name: "the session with an expired cookie", path: () => "/api/session", options: () => ({ cookie: sessionFor([idIn(shopper)], -60) }), status: 401, code: "unauthenticated" },
  { name: "a Buy by GET", path: () => `/api/sales/${saleId}/orders`, options: () => ({ cookie: shopper }), status: 405, code: "method_not_allowed" },
  { name: "the shopper session by PUT", method: "PUT", path: () => "/api/session", options: () => ({ body: `{"email": "a@example.com"}`, headers: json }), status: 405, code: "method_not_allowed" },
  { name: "an admin sale list by DELETE, without the admin session", method: "DELETE", path: () => "/api/admin/sales", options: () => ({}), status: 401, code: "unauthenticated" },
  { name: "buy with a signed session for a shopper this database does not have", method: "POST", path: () => `/api/sales/${saleId}/orders`, options: () => ({ cookie: sessionFor([randomUUID()], 3600) }), status: 401, code: "unauthenticated" },
  { name: "a sale by a malformed percent-escape", path: () => "/api/sales/%zz", options: () => ({}), status: 400, code: "invalid_request" },
  { name: "buy by a truncated UTF-8 escape", method: "POST", path: () => "/api/sales/%E0%A4%A/orders", options: () => ({ cookie: shopper }), status: 400, code: "invalid_request" },
  { name: "an API path that does not exist", path: () => "/api/../api/sales/../nothing-here", options: () => ({}), status: 404, code: "not_found" },
  { name: "/api itself", path: () => "/api", options: () => ({}), status: 404, code: "not_found" },
  { name: "a POST to /api itself", method: "POST", path: () => "/api?x=1", options: () => ({ body: "{}", headers: json }), status: 404, code: "not_found" },
  { name: "OPTIONS on an API path that does not exist", method: "OPTIONS", path: () => "/api/nothing-here", options: () => ({}), status: 404, code: "not_found" },
  { name: "OPTIONS on an admin route without the admin's session", method: "OPTIONS", path: () => "/api/admin/dead-letters", options: () => ({ cookie: shopper }), status: 401, code: "unauthenticated" },
];

describe("hostile input over HTTP", () => {
  it("accepts the cookie the refused ones are made from: current, signed with the app's key, for the shopper it names", async () => {
    const res = await request(`${base}/api/session`, { cookie: sessionFor([idIn(shopper)], 3600) });
    expect([res.status, res.json?.user?.id]).toEqual([200, idIn(shopper)]);
    expect(idIn(other)).not.toBe(idIn(shopper));
  });

  it("answers every case with a clear JSON error and leaves the database unchanged", async () => {
    const before = await databaseSnapshot(db.sql);
    const wrong: string[] = [];
    for (const c of cases) {
      const res = await request(base + c.path(), { method: c.method ?? "GET", ...c.options() });
      const codes = Array.isArray(c.code) ? c.code : [c.code];
      const isShaped =
        res.headers.get("content-type")?.startsWith("application/json") &&
        Object.keys(res.json ?? {}).join() === "error" &&
        codes.includes(res.json.error.code) &&
        typeof res.json.error.message === "string" &&
        res.json.error.message.length > 0 &&
        !/\n\s+at /.test(res.text);
      if (res.status !== c.status || !isShaped) wrong.push(`${c.name}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
    expect(await databaseSnapshot(db.sql)).toEqual(before);
    // No request made the server log an unhandled error.
    expect(stack.output.filter((line) => line.includes('"unhandled error"'))).toEqual([]);
  });
});

/** Raw bytes to the web server, and everything it sends back until it closes the connection (≤ 5 s). */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = "";
    socket.setTimeout(5000, () => socket.destroy(new Error("no answer within 5 s")));
    socket.on("data", (chunk) => (received += chunk.toString("utf8")));
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
    socket.write(bytes);
  });
}

describe("a body announced with Expect: 100-continue", () => {
  const head = (length: number) =>
    `POST /api/sales/${saleId}/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${shopper}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n`;

  it("over 16 KiB is refused before the client sends it: 413 and the connection closed, no 100 Continue", async () => {
    const before = await databaseSnapshot(db.sql);
    // Headers only: a client that waits for 100 Continue sends nothing more (curl waits a second).
    const answer = await rawExchange(base, `${head(2_000_000)}\r\n`);
    expect(answer).not.toContain("100 Continue");
    const [status = "", body = ""] = answer.split("\r\n\r\n");
    expect(status.split("\r\n")[0]).toMatch(/^HTTP\/1\.1 413 /);
    expect(status.toLowerCase()).toContain("connection: close");
    // Sent chunked: the JSON is the one chunk.
    expect(JSON.parse(body.split("\r\n")[1]!)).toEqual({ error: { code: "payload_too_large", message: "The request body is larger than 16 KiB." } });
    expect(await databaseSnapshot(db.sql)).toEqual(before);
  });

  it("within the limit is asked for with 100 Continue and admitted", async () => {
    const answer = await rawExchange(base, `${head(2)}Connection: close\r\n\r\n{}`);
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 202 /);
  });
});

describe("OPTIONS", () => {
  it("answers 204 naming the methods the route has, as its 405s do", async () => {
    for (const [path, allow] of [
      ["/api/sales", "GET, HEAD, OPTIONS"],
      [`/api/sales/${saleId}/orders`, "OPTIONS, POST"],
      ["/api/session", "DELETE, GET, HEAD, OPTIONS, POST"],
    ]) {
      const options = await request(base + path, { method: "OPTIONS" });
      expect(options.status, path).toBe(204);
      expect(options.headers.get("allow"), path).toBe(allow);
      const wrong = await request(base + path, { method: "PUT", cookie: shopper });
      expect(wrong.status, path).toBe(405);
      expect(wrong.headers.get("allow"), path).toBe(allow);
    }
  });
});

describe("a method the app serves on no path", () => {
  it("is a JSON 501, on the API and on pages alike, and changes nothing", async () => {
    const before = await databaseSnapshot(db.sql);
    for (const [method, path] of [["TRACE", "/api/sales"], ["TRACE", `/api/sales/${saleId}/orders`], ["PROPFIND", "/api/sales"], ["PROPFIND", "/api/nothing-here"], ["TRACE", "/"]]) {
      const answer = await rawExchange(base, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      const [head = "", body = ""] = answer.split("\r\n\r\n");
      expect(head.split("\r\n")[0], `${method} ${path}`).toMatch(/^HTTP\/1\.1 501 /);
      expect(head.toLowerCase(), `${method} ${path}`).toContain("content-type: application/json");
      expect(JSON.parse(body), `${method} ${path}`).toEqual({ error: { code: "not_implemented", message: `This server does not handle the ${method} method.` } });
    }
    expect(await databaseSnapshot(db.sql)).toEqual(before);
  });
});

describe("a page address with a malformed percent-escape", () => {
  it("is a 400 page with a way back to the sales, not JSON and not a server error", async () => {
    const res = await request(`${base}/sales/%zz`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.text).toContain("This address is not valid");
    expect(res.text).toContain('<a href="/">');
  });
});

describe("requests the HTTP parser refuses", () => {
  it("are answered in the contract's JSON shape too, with the status Node would send", async () => {
    const cases: [string, string, number, string][] = [
      ["a Content-Length that is not a number", `POST /api/sales/${saleId}/orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n`, 400, "invalid_request"],
      ["a request line that is not HTTP", "BUY EVERYTHING NOW\r\n\r\n", 400, "invalid_request"],
      ["20 KB of headers", `GET /api/sales HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`, 431, "headers_too_large"],
    ];
    const before = await databaseSnapshot(db.sql);
    for (const [name, bytes, status, code] of cases) {
      const answer = await rawExchange(base, bytes);
      const [head = "", body = ""] = answer.split("\r\n\r\n");
      expect(head.split("\r\n")[0], name).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(head.toLowerCase(), name).toContain("content-type: application/json");
      expect(JSON.parse(body), name).toEqual({ error: { code, message: expect.any(String) } });
    }
    expect(await databaseSnapshot(db.sql)).toEqual(before);
  });
});
