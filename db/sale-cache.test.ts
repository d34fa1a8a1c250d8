import { describe, expect, it } from "vitest";
import { getSaleCached, listSales } from "./sales";
import { useTestDatabase } from "./testing/database";
import { lockSalesTable } from "./testing/held-work";
import { liveSale } from "./testing/live-sale";

const db = useTestDatabase();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const saleNamed = (name: string) => liveSale({ name, priceCents: 500, originalPriceCents: 500, stock: 5 });

/** The sessions waiting for the lock on `sales`, oldest wait first, once there are `count` of them. */
async function waitingOnSales(count: number): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const rows = await db.sql`
      SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid)
      WHERE l.relation = 'sales'::regclass AND NOT l.granted ORDER BY a.query_start`;
    if (rows.length >= count) return rows.map((r) => r.pid as number);
    await sleep(10);
  }
  throw new Error(`fewer than ${count} reads of the sale waited on its table within 10 s`);
}

describe("the per-process sale cache", () => {
  it("serves one read per second and sale to every Buy", async () => {
    const sale = await saleNamed("Cached");
    const now = Date.now();
    const first = getSaleCached({ id: sale.id }, now);
    expect(getSaleCached({ id: sale.id }, now + 999)).toBe(first);
    expect((await first)?.id).toBe(sale.id);
    // A second later the sale is read again.
    expect(getSaleCached({ id: sale.id }, now + 1000)).not.toBe(first);
  });

  it("drops a failed read, but keeps the read that replaced it while it was failing", async () => {
    const sale = await saleNamed("Cached after a failure");
    // An operator's migration holds the table: reads of the sale wait.
    const lock = await lockSalesTable(db.url);
    const now = Date.now();
    try {
      const stale = getSaleCached({ id: sale.id }, now);
      const [stalePid] = await waitingOnSales(1);
      // More than a second on, the next Buy's read replaces the first while both wait.
      const fresh = getSaleCached({ id: sale.id }, now + 1500);
      expect(fresh).not.toBe(stale);
      await waitingOnSales(2);
      // The first read's connection is lost: that read fails.
      await db.sql`SELECT pg_terminate_backend(${stalePid!})`;
      await expect(stale).rejects.toThrow();
      await lock.release();
      expect((await fresh)?.id).toBe(sale.id);
      // The Buys after it are served the read that succeeded, not sent to the database again.
      expect(getSaleCached({ id: sale.id }, now + 1600)).toBe(fresh);
    } finally {
      await lock.release();
    }
  });

  it("asks again after a read that failed", async () => {
    const sale = await saleNamed("Read again");
    const lock = await lockSalesTable(db.url);
    const now = Date.now();
    try {
      const failing = getSaleCached({ id: sale.id }, now);
      const [pid] = await waitingOnSales(1);
      await db.sql`SELECT pg_terminate_backend(${pid!})`;
      await expect(failing).rejects.toThrow();
    } finally {
      await lock.release();
    }
    // Within the same second, the next Buy reads the sale afresh instead of being handed the failure.
    const next = getSaleCached({ id: sale.id }, now + 100);
    expect((await next)?.id).toBe(sale.id);
  });
});

describe("the per-process cache of the shop's list", () => {
  it("reads the list once a second however many visitors ask, and lists a sale this process creates at once", async () => {
    const first = await saleNamed("Listed");
    const now = Date.now();
    expect((await listSales(now)).map((s) => s.id)).toContain(first.id);
    const lock = await lockSalesTable(db.url);
    try {
      // A second on, forty visitors' pages ask at once while the table is held: the list's two reads
      // (the sales ahead, the last ones ended) wait, and nothing else reaches the database.
      const asked = Array.from({ length: 40 }, () => listSales(now + 1000));
      await waitingOnSales(2);
      await sleep(300);
      expect(await waitingOnSales(0)).toHaveLength(2);
      await lock.release();
      const answers = await Promise.all(asked);
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    } finally {
      await lock.release();
    }
    // Within the same second, a sale created here is listed at once, not a second later.
    const second = await saleNamed("Listed next");
    expect((await listSales(now + 1100)).map((s) => s.id)).toEqual(expect.arrayContaining([first.id, second.id]));
  });
});
