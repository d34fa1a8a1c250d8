import { describe, expect, it } from "vitest";
import { signToken } from "@/app/_lib/cookies";
import { useTestDatabase } from "@/db/testing/database";
import { call, cookieFrom } from "@/db/testing/http";
import * as session from "./route";

const db = useTestDatabase();

const signIn = (body: unknown, headers: Record<string, string> = {}) => call(session.POST, "/api/session", { method: "POST", body, headers });

describe("/api/session", () => {
  it("signs a shopper in with a signed HttpOnly SameSite=Lax cookie, and knows them on the next request", async () => {
    const res = await signIn({ email: "Ada@Example.com" });
    expect(res.status).toBe(200);
    expect(res.json.user).toEqual({ id: expect.any(String), email: "ada@example.com" });
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/);

    const me = await call(session.GET, "/api/session", { cookie: cookieFrom(res.res) });
    expect(me.status).toBe(200);
    expect(me.json.user).toEqual(res.json.user);
  });

  it("finds the same account for the same email, whatever its case", async () => {
    const a = await signIn({ email: "same@example.com" });
    const b = await signIn({ email: "SAME@example.com" });
    expect(b.json.user.id).toBe(a.json.user.id);
    const [{ n }] = (await db.sql`SELECT count(*)::int AS n FROM users WHERE email = 'same@example.com'`) as any;
    expect(n).toBe(1);
  });

  it("reads a JSON body sent as text/plain (fetch with a string body); a form post is told to send JSON", async () => {
    const res = await signIn(JSON.stringify({ email: "plain@example.com" }), { "content-type": "text/plain;charset=UTF-8" });
    expect(res.status).toBe(200);
    expect(res.json.user.email).toBe("plain@example.com");
    const form = await signIn("email=form%40example.com", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(400);
    expect(form.json.error).toEqual({ code: "invalid_request", message: expect.stringContaining("JSON object") });
    expect(await db.sql`SELECT count(*)::int AS n FROM users WHERE email = 'form@example.com'`).toEqual([{ n: 0 }]);
  });

  it("takes an address with spaces around it as the address, and says in plain words what is wrong with a bad sign-in", async () => {
    const padded = await signIn({ email: "  padded@example.com  " });
    expect(padded.status).toBe(200);
    expect(padded.json.user.email).toBe("padded@example.com");

    const problems: [unknown, string][] = [
      [{}, "email: is required"],
      [{ email: 42 }, "email: must be text"],
      [{ email: "not an address" }, "email: must be an email address"],
      [{ email: `${"x".repeat(250)}@example.com` }, "email: must be at most 254 characters"],
      [{ email: "a@example.com", userId: "someone-else" }, '"userId" is not a field this request takes (it takes email)'],
    ];
    for (const [body, message] of problems) {
      const res = await signIn(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error).toEqual({ code: "invalid_request", message });
    }
    expect(await db.sql`SELECT count(*)::int AS n FROM users WHERE email = 'a@example.com'`).toEqual([{ n: 0 }]);
  });

  it("marks the cookie Secure behind HTTPS", async () => {
    const res = await signIn({ email: "secure@example.com" }, { "x-forwarded-proto": "https" });
    expect(res.headers.get("set-cookie")).toMatch(/Secure/);
  });

  it.each([
    ["no body", undefined, "invalid_request"],
    ["invalid JSON", "{", "invalid_json"],
    ["not an email", { email: "not-an-email" }, "invalid_request"],
    ["a number for the email", { email: 42 }, "invalid_request"],
    ["unknown fields", { email: "x@example.com", admin: true }, "invalid_request"],
    ["an array", [{ email: "x@example.com" }], "invalid_request"],
  ])("refuses %s with 400 and creates no user", async (_name, body, code) => {
    const before = await db.sql`SELECT count(*)::int AS n FROM users`;
    const res = await signIn(body, typeof body === "string" ? { "content-type": "application/json" } : {});
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(code);
    expect(await db.sql`SELECT count(*)::int AS n FROM users`).toEqual(before);
  });

  // Each refused cookie names a shopper who exists, and differs from one that is accepted in one thing only.
  const existingShopper = async () => (await signIn({ email: `cookie-${Date.now()}-${Math.random()}@example.com` })).json.user.id as string;
  const APP_SECRET = () => process.env.SESSION_SECRET!;

  it("knows the shopper from a current cookie signed with the app's secret, the one each refused cookie below differs from", async () => {
    const id = await existingShopper();
    const res = await call(session.GET, "/api/session", { cookie: `flash_session=${signToken(APP_SECRET(), [id], 3600)}` });
    expect([res.status, res.json.user?.id]).toEqual([200, id]);
  });

  it.each([
    ["no cookie", () => ""],
    ["a cookie signed with another secret", (id: string) => `flash_session=${signToken("another-secret-entirely-0123456789abcdef", [id], 3600)}`],
    ["an expired cookie", (id: string) => `flash_session=${signToken(APP_SECRET(), [id], -10)}`],
    ["a truncated cookie", () => "flash_session=abc.def"],
  ])("answers 401 to GET with %s", async (_name, cookieFor) => {
    const res = await call(session.GET, "/api/session", { cookie: cookieFor(await existingShopper()) });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("unauthenticated");
  });

  it("signs out with 204 and an expired cookie", async () => {
    const res = await call(session.DELETE, "/api/session", { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toMatch(/Max-Age=0/);
  });
});
