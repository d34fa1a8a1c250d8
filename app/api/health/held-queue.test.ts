import { describe, expect, it } from "vitest";
import { useTestDatabase } from "@/db/testing/database";
import { holdRowLock } from "@/db/testing/held-work";
import { call } from "@/db/testing/http";
import { liveSale } from "@/db/testing/live-sale";
import * as sale from "@/app/api/sales/[id]/route";
import * as health from "./route";

// A pool of two, so that a few health checks could take every connection of the web process, as a
// load balancer's checks every few seconds do with the default pool. Read when the pool is first made.
process.env.PG_POOL_MAX = "2";

const db = useTestDatabase();

describe("GET /api/health while the queue's table is locked (an operator's migration, a VACUUM FULL)", () => {
  it("answers 503 and frees its connection: checks every second for longer than the pool lasts leave the web process answering", async () => {
    const live = await liveSale({ name: "Still served", stock: 5 });
    const lock = await holdRowLock(db.url, (tx) => tx`LOCK TABLE pgboss.queue IN ACCESS EXCLUSIVE MODE`.then(() => tx`SELECT pg_backend_pid() AS pid`));
    try {
      for (let i = 0; i < 4; i++) {
        const res = await call(health.GET, "/api/health");
        expect([res.status, res.json.error?.code]).toEqual([503, "unavailable"]);
      }
      // A request that needs the pool but not the queue is answered at once.
      const started = performance.now();
      const res = await call(sale.GET, `/api/sales/${live.id}`, { params: { id: live.id } });
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      await lock.release();
    }
    expect((await call(health.GET, "/api/health")).status).toBe(200);
  }, 60_000);
});
