import { describe, expect, it } from "vitest";
import { useTestDatabase } from "@/db/testing/database";
import { lockSalesTable } from "@/db/testing/held-work";
import { call } from "@/db/testing/http";
import { liveSale } from "@/db/testing/live-sale";
import { signInShoppers } from "@/db/testing/shoppers";
import * as sale from "@/app/api/sales/[id]/route";
import * as session from "@/app/api/session/route";

// A pool of two, so that two requests stuck on a locked table hold every connection of the web
// process, as a page's worth of them does with the default pool. Read when the pool is first made.
process.env.PG_POOL_MAX = "2";

const db = useTestDatabase();

describe("requests stuck behind a table locked for longer than their deadline (an operator's migration)", () => {
  it("are answered 503 at the deadline and give their connections back soon after: what does not need that table is answered again while it stays locked", async () => {
    const [shopper] = await signInShoppers(1, "locked-table");
    const sales = [await liveSale({ name: "A", stock: 5 }), await liveSale({ name: "B", stock: 5 })];
    const lock = await lockSalesTable(db.url);
    try {
      // Two first reads of a sale (nothing cached yet) wait on the table with both connections.
      const stuck = await Promise.all(sales.map((s) => call(sale.GET, `/api/sales/${s.id}`, { params: { id: s.id } })));
      for (const res of stuck) expect([res.status, res.json.error?.code]).toEqual([503, "unavailable"]);
      // Their queries give up on the lock half a second after the deadline (lock_timeout), not when the
      // table is unlocked: the shopper's session, which reads no sale, asked now, waits for a connection
      // only that long, and is answered although the table is still locked. Were the connections kept,
      // it would be answered 503 at its own deadline. The bound leaves a loaded machine seconds to spare.
      const started = performance.now();
      const res = await call(session.GET, "/api/session", { cookie: shopper! });
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      await lock.release();
    }
  }, 60_000);
});
