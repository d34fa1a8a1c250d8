import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { signInAdmin } from "@/db/testing/admin";
import { useTestDatabase } from "@/db/testing/database";
import { call } from "@/db/testing/http";

// A method a route does not have is a 405 in the contract's JSON shape with an `Allow` header that
// names the methods it does have (Next.js alone would answer an empty 405), and an admin route
// answers 401 to any method without the admin session. Every route file under app/api is checked, so
// a route added later without its `otherMethods` export fails here.

useTestDatabase();

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const API_DIR = path.join(process.cwd(), "app", "api");
const SOME_ID = "00000000-0000-4000-8000-000000000000";

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

/** The URL path of a route file, with a well-formed id for each dynamic segment. */
function urlOf(file: string): { url: string; params: Record<string, string> } {
  const segments = path.relative(path.join(process.cwd(), "app"), path.dirname(file)).split(path.sep);
  const params: Record<string, string> = {};
  const parts = segments.map((segment) => {
    const name = /^\[(?:\.\.\.)?(\w+)\]$/.exec(segment)?.[1];
    if (!name) return segment;
    params[name] = SOME_ID;
    return SOME_ID;
  });
  return { url: `/${parts.join("/")}`, params };
}

const files = routeFiles(API_DIR).filter((f) => !f.includes("[[...path]]"));
let adminCookie: string;

beforeAll(async () => {
  adminCookie = await signInAdmin();
});

describe("methods a route does not have", () => {
  it("finds the API's route files", () => {
    expect(files.length).toBeGreaterThanOrEqual(19);
  });

  for (const file of files) {
    const { url, params } = urlOf(file);
    const isAdmin = url.startsWith("/api/admin/") && url !== "/api/admin/session";

    it(`${url}: every method answers, and the ones it lacks are a JSON 405 whose Allow tells the truth`, async () => {
      const mod = (await import(file)) as Record<string, unknown>;
      const answers = new Map<string, Awaited<ReturnType<typeof call>>>();
      for (const method of METHODS) {
        expect(typeof mod[method], `${url} exports ${method}`).toBe("function");
        // A fresh admin session each time: one of these calls may be the admin's sign-out.
        const cookie = isAdmin || url === "/api/admin/session" ? await signInAdmin() : adminCookie;
        answers.set(method, await call(mod[method], url, { method, params, cookie }));
      }
      const has = METHODS.filter((m) => answers.get(m)!.status !== 405);
      expect(has.length, `${url} has at least one method`).toBeGreaterThan(0);
      const allow = [...has, ...(has.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort().join(", ");
      for (const method of METHODS.filter((m) => !has.includes(m))) {
        const res = answers.get(method)!;
        expect(res.json, `${method} ${url}`).toEqual({ error: { code: "method_not_allowed", message: expect.stringContaining(method) } });
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        expect(res.headers.get("allow"), `${method} ${url}`).toBe(allow);
      }
      // OPTIONS tells the same truth, and sends nothing else.
      expect(typeof mod.OPTIONS, `${url} exports OPTIONS`).toBe("function");
      const options = await call(mod.OPTIONS, url, { method: "OPTIONS", params, cookie: isAdmin ? await signInAdmin() : adminCookie });
      expect(options.status, `OPTIONS ${url}`).toBe(204);
      expect(options.headers.get("allow"), `OPTIONS ${url}`).toBe(allow);
      expect(options.text).toBe("");
    });

    if (isAdmin) {
      it(`${url}: answers 401 to every method without the admin session`, async () => {
        const mod = (await import(file)) as Record<string, unknown>;
        for (const method of [...METHODS, "OPTIONS"]) {
          const res = await call(mod[method], url, { method, params });
          expect(res.status, `${method} ${url}`).toBe(401);
          expect(res.json.error.code).toBe("unauthenticated");
        }
      });
    }
  }
});
