import net from "node:net";
import { describe, expect, it } from "vitest";
import { closeDb } from "@/db/client";
import { markDraining } from "@/db/health";
import { useTestDatabase } from "@/db/testing/database";
import { call } from "@/db/testing/http";
import * as health from "./route";

const db = useTestDatabase();

describe("GET /api/health", () => {
  it("answers 200 when Postgres and the order queue answer", async () => {
    const res = await call(health.GET, "/api/health");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok" });
  });

  it("answers 503 when the database answers but has no order queue", async () => {
    const [queue] = await db.sql`SELECT * FROM pgboss.queue WHERE name = 'place-order'`;
    await db.sql`DELETE FROM pgboss.queue WHERE name = 'place-order'`;
    try {
      const res = await call(health.GET, "/api/health");
      expect(res.status).toBe(503);
      expect(res.json).toEqual({ error: { code: "unavailable", message: expect.any(String) } });
    } finally {
      await db.sql`INSERT INTO pgboss.queue ${db.sql(queue!)}`;
    }
    expect((await call(health.GET, "/api/health")).status).toBe(200);
  });

  it("answers 503 within two seconds when the database accepts connections but never answers", async () => {
    // A socket that takes the connection and says nothing: the worst case for a health check.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    await closeDb();
    process.env.DATABASE_URL = `postgres://nobody@127.0.0.1:${port}/nothing`;
    try {
      const started = performance.now();
      const res = await call(health.GET, "/api/health");
      expect(res.status).toBe(503);
      expect(res.json).toEqual({ error: { code: "unavailable", message: expect.any(String) } });
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await closeDb().catch(() => {});
      process.env.DATABASE_URL = db.url;
      silent.close();
    }
    expect((await call(health.GET, "/api/health")).status).toBe(200);
  });

  it("answers 503 once the process is shutting down, so a balancer stops sending it work", async () => {
    markDraining();
    const res = await call(health.GET, "/api/health");
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("unavailable");
  });
});
