import { describe, expect, it } from "vitest";
import { call } from "@/db/testing/http";
import { GET } from "./route";

describe("GET /api/time", () => {
  it("answers the server's clock in milliseconds, never cached", async () => {
    const before = Date.now();
    const res = await call(GET, "/api/time");
    const after = Date.now();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.json.now).toBeGreaterThanOrEqual(before);
    expect(res.json.now).toBeLessThanOrEqual(after);
  });
});
