import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/db/client";
import { freshDatabase } from "@/db/testing/database";
import { call, cookieFrom } from "@/db/testing/http";
import { adminPassword } from "@/app/_lib/admin-session";
import { CLIENT_IP_HEADER } from "@/app/_lib/rate-limit";
import * as shopperSession from "@/app/api/session/route";
import * as adminSales from "@/app/api/admin/sales/route";
import * as sessions from "../sessions/route";
import * as session from "./route";

let db: Awaited<ReturnType<typeof freshDatabase>>;

beforeAll(async () => {
  db = await freshDatabase();
});

afterAll(async () => {
  await closeDb();
  await db.drop();
});

const signIn = (password: unknown, headers: Record<string, string> = {}) =>
  call(session.POST, "/api/admin/session", { method: "POST", body: { password }, headers });

describe("admin sign-in", () => {
  it("sets an HttpOnly, SameSite=Strict admin cookie for the right password, which opens the admin API", async () => {
    const res = await signIn(adminPassword());
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ admin: true });
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^flash_admin=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = cookieFrom(res.res);

    expect((await call(session.GET, "/api/admin/session", { cookie })).status).toBe(200);
    expect((await call(adminSales.GET, "/api/admin/sales", { cookie })).status).toBe(200);
  });

  it("says in plain words what is wrong with a sign-in that sends no password", async () => {
    for (const [password, message] of [
      [undefined, "password: is required"],
      [123, "password: must be text"],
    ] as const) {
      const res = await signIn(password);
      expect(res.status).toBe(400);
      expect(res.json.error).toEqual({ code: "invalid_request", message });
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });

  it("answers 401 for a wrong password and sets no cookie", async () => {
    const res = await signIn(`${adminPassword()}x`, { [CLIENT_IP_HEADER]: "198.51.100.1" });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: "unauthenticated", message: expect.any(String) } });
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("does not take a shopper's session, or a forged cookie, for the admin's", async () => {
    const shopper = await call(shopperSession.POST, "/api/session", { method: "POST", body: { email: "not-admin@example.com" } });
    const shopperCookie = cookieFrom(shopper.res);
    expect((await call(adminSales.GET, "/api/admin/sales", { cookie: shopperCookie })).status).toBe(401);
    const forged = `flash_admin=${shopperCookie.split("=")[1]}`;
    expect((await call(adminSales.GET, "/api/admin/sales", { cookie: forged })).status).toBe(401);
    const good = cookieFrom((await signIn(adminPassword())).res);
    const tampered = good.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    expect((await call(adminSales.GET, "/api/admin/sales", { cookie: tampered })).status).toBe(401);
  });

  it.each([
    ["no body", undefined, "invalid_request"],
    ["invalid JSON", "{oops", "invalid_json"],
    ["no password", {}, "invalid_request"],
    ["a password that is not a string", { password: 12345678 }, "invalid_request"],
    ["an unknown field", { password: "x", admin: true }, "invalid_request"],
  ])("answers 400 for %s", async (_name, body, code) => {
    const res = await call(session.POST, "/api/admin/session", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(code);
  });

  it("limits attempts: after 10 wrong passwords from one client even the right one gets 429 with Retry-After", async () => {
    const client = { [CLIENT_IP_HEADER]: "203.0.113.77" };
    for (let i = 0; i < 10; i++) expect((await signIn("wrong-password", client)).status).toBe(401);
    const limited = await signIn(adminPassword(), client);
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("set-cookie")).toBeNull();
    // Another client is not locked out by this one.
    expect((await signIn(adminPassword(), { [CLIENT_IP_HEADER]: "203.0.113.78" })).status).toBe(200);
  });

  it("refuses a sign-in posted from another site", async () => {
    const res = await signIn(adminPassword(), { origin: "https://evil.example", "sec-fetch-site": "cross-site" });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("forbidden");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("signs out by clearing the cookie, also without a session", async () => {
    const res = await call(session.DELETE, "/api/admin/session", { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toMatch(/^flash_admin=;.*Max-Age=0/);
  });

  it("ends the session on the server at sign-out: a copy of its cookie stops working, another sign-in does not", async () => {
    const cookie = cookieFrom((await signIn(adminPassword())).res);
    const elsewhere = cookieFrom((await signIn(adminPassword())).res);
    // Someone copied the cookie while the admin was signed in.
    const copy = cookie;
    expect((await call(adminSales.GET, "/api/admin/sales", { cookie: copy })).status).toBe(200);

    const out = await call(session.DELETE, "/api/admin/session", { method: "DELETE", cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^flash_admin=;.*Max-Age=0/);
    const refused = await call(adminSales.GET, "/api/admin/sales", { cookie: copy });
    expect([refused.status, refused.json.error.code]).toEqual([401, "unauthenticated"]);
    expect((await call(session.GET, "/api/admin/session", { cookie: copy })).status).toBe(401);
    // The admin's other browser stays signed in.
    expect((await call(adminSales.GET, "/api/admin/sales", { cookie: elsewhere })).status).toBe(200);
  });

  it("signs every admin out at once, on every device, with DELETE /api/admin/sessions", async () => {
    const here = cookieFrom((await signIn(adminPassword())).res);
    const elsewhere = cookieFrom((await signIn(adminPassword())).res);
    const out = await call(sessions.DELETE, "/api/admin/sessions", { method: "DELETE", cookie: here });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^flash_admin=;.*Max-Age=0/);
    for (const cookie of [here, elsewhere]) expect((await call(adminSales.GET, "/api/admin/sales", { cookie })).status).toBe(401);
    expect((await db.sql`SELECT count(*)::int AS n FROM admin_sessions`)[0]!.n).toBe(0);
    // The password still opens a new one.
    const again = cookieFrom((await signIn(adminPassword())).res);
    expect((await call(adminSales.GET, "/api/admin/sales", { cookie: again })).status).toBe(200);
  });

  it("ends an admin session when it expires, and sweeps the expired ones at the next sign-in", async () => {
    const cookie = cookieFrom((await signIn(adminPassword())).res);
    await db.sql`UPDATE admin_sessions SET expires_at = now() - interval '1 second'`;
    expect((await call(adminSales.GET, "/api/admin/sales", { cookie })).status).toBe(401);
    const fresh = cookieFrom((await signIn(adminPassword())).res);
    expect((await call(adminSales.GET, "/api/admin/sales", { cookie: fresh })).status).toBe(200);
    expect((await db.sql`SELECT count(*)::int AS n FROM admin_sessions WHERE expires_at <= now()`)[0]!.n).toBe(0);
  });

  it("gives whoever copies an admin cookie no hash of the password to test guesses against offline: its password tag is keyed with SESSION_SECRET", async () => {
    const tagOf = (cookie: string) => cookie.split("=")[1]!.split(".")[1]!;
    const tag = tagOf(cookieFrom((await signIn(adminPassword())).res));
    // The same password and secret give the same tag (it is what ties a session to the password)…
    expect(tagOf(cookieFrom((await signIn(adminPassword())).res))).toBe(tag);
    // …and the same password under another secret a different one: the tag cannot be worked out, or
    // a guess tested against it, from the password alone.
    const secret = process.env.SESSION_SECRET;
    process.env.SESSION_SECRET = "another-session-secret-for-this-test-0123456789";
    vi.resetModules();
    const fresh = {
      route: await import("./route"),
      session: await import("@/app/_lib/admin-session"),
      client: await import("@/db/client"),
    };
    try {
      const res = await call(fresh.route.POST, "/api/admin/session", { method: "POST", body: { password: fresh.session.adminPassword() } });
      expect(fresh.session.adminPassword()).toBe(adminPassword());
      expect(res.status).toBe(200);
      expect(tagOf(cookieFrom(res.res))).not.toBe(tag);
    } finally {
      await fresh.client.closeDb();
      process.env.SESSION_SECRET = secret;
      vi.resetModules();
    }
  });

  it("counts addresses of one IPv6 /64 network as one client", async () => {
    const address = (i: number) => ({ [CLIENT_IP_HEADER]: `2001:db8:77:1::${(i + 1).toString(16)}` });
    for (let i = 0; i < 10; i++) expect((await signIn("wrong-password", address(i))).status).toBe(401);
    expect((await signIn(adminPassword(), address(10))).status).toBe(429);
    expect((await signIn(adminPassword(), { [CLIENT_IP_HEADER]: "2001:db8:77:2::1" })).status).toBe(200);
  });

  // Last in the file: it spends the process's overall budget.
  it("keeps the admin's own network signing in while guesses from many addresses spend the overall budget", async () => {
    const admin = { [CLIENT_IP_HEADER]: "198.51.100.20" };
    expect((await signIn(adminPassword(), admin)).status).toBe(200);
    // Ten wrong passwords from each of up to fifteen addresses: the overall budget (100) runs out.
    let lockedOut: Awaited<ReturnType<typeof signIn>> | undefined;
    for (let a = 1; a <= 15 && !lockedOut; a++) {
      const from = { [CLIENT_IP_HEADER]: `192.0.2.${a}` };
      for (let i = 0; i < 10 && !lockedOut; i++) {
        const res = await signIn("wrong-password", from);
        if (res.status === 429) lockedOut = res;
        else expect(res.status).toBe(401);
      }
    }
    expect(lockedOut?.json.error.code).toBe("rate_limited");
    // A network the admin never signed in from is locked out too; the admin's own is not.
    expect((await signIn(adminPassword(), { [CLIENT_IP_HEADER]: "192.0.2.200" })).status).toBe(429);
    const res = await signIn(adminPassword(), admin);
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/^flash_admin=/);
  });
});
