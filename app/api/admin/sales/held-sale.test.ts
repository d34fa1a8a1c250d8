import { beforeAll, describe, expect, it } from "vitest";
import { signInAdmin } from "@/db/testing/admin";
import { useTestDatabase } from "@/db/testing/database";
import { holdRowLock } from "@/db/testing/held-work";
import { call } from "@/db/testing/http";
import { liveSale } from "@/db/testing/live-sale";
import * as health from "@/app/api/health/route";
import * as saleEnd from "./[id]/end/route";
import * as sale from "./[id]/route";

// A pool of two, so that three of the admin's requests could take every connection of the web process,
// as ten or so clicks on Save do with the default pool. Read when the pool is first made.
process.env.PG_POOL_MAX = "2";

const db = useTestDatabase();
let cookie: string;

beforeAll(async () => {
  cookie = await signInAdmin();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("an admin's edit of a sale whose row another transaction holds", () => {
  it("gives up on the lock with 503 and frees its connection: the web process keeps answering, and the edit never lands later", async () => {
    const live = await liveSale({ name: "Held" });
    const [before] = await db.sql`SELECT name, ends_at FROM sales WHERE id = ${live.id}`;
    // An operator's session changed the sale's row and left its transaction open.
    const lock = await holdRowLock(db.url, (tx) => tx`UPDATE sales SET description = 'fixed by hand' WHERE id = ${live.id} RETURNING pg_backend_pid() AS pid`);
    const releaseAt = Date.now() + 15_000;
    const timer = setTimeout(() => void lock.release(), 15_000);
    try {
      // The admin saves, is told to try again, saves again, then presses End now: more than the pool holds.
      const edits = [0, 1].map((i) => call(sale.PATCH, `/api/admin/sales/${live.id}`, { method: "PATCH", params: { id: live.id }, body: { name: `Edited ${i}` }, cookie }));
      const end = call(saleEnd.POST, `/api/admin/sales/${live.id}/end`, { method: "POST", params: { id: live.id }, cookie });
      for (const res of await Promise.all([...edits, end])) {
        expect([res.status, res.json.error?.code, res.headers.get("retry-after")]).toEqual([503, "unavailable", "2"]);
      }
      // Each gave up on the lock (2 s each, the requests behind it in turn) and handed its connection
      // back: the process answers while the transaction is still open.
      const healthy = await call(health.GET, "/api/health");
      expect(healthy.status).toBe(200);
      expect(Date.now()).toBeLessThan(releaseAt);
    } finally {
      clearTimeout(timer);
      await lock.release();
    }
    await sleep(500);
    // None of the edits answered 503 was applied once the lock went.
    const [after] = await db.sql`SELECT name, ends_at, description FROM sales WHERE id = ${live.id}`;
    expect(after).toEqual({ ...before, description: "fixed by hand" });
    // And an edit now goes through.
    const res = await call(sale.PATCH, `/api/admin/sales/${live.id}`, { method: "PATCH", params: { id: live.id }, body: { name: "Edited" }, cookie });
    expect([res.status, res.json.sale?.name]).toEqual([200, "Edited"]);
  });
});
