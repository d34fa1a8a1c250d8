import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopWebBoss } from "@/jobs/boss";
import { allocateOrders } from "./allocation";
import { admit, admitBatch, shopperOrderInSale } from "./group-admission";
import { closeDb, getAdmissionSql } from "./client";
import { freshDatabase } from "./testing/database";
import { liveSale } from "./testing/live-sale";
import { upsertUserByEmail } from "./users";

let db: Awaited<ReturnType<typeof freshDatabase>>;

const groupSale = () => liveSale({ name: "Group admission", stock: 5 });
const shoppers = (n: number, tag: string) => Promise.all(Array.from({ length: n }, (_, i) => upsertUserByEmail({ email: `${tag}-${i}@example.com` })));

beforeAll(async () => {
  db = await freshDatabase();
});

afterAll(async () => {
  await stopWebBoss();
  await closeDb();
  await db.drop();
});

describe("group admission", () => {
  it("admits Buys arriving together: one order and one job each, distinct places in line; a second click is a conflict", async () => {
    const sale = await groupSale();
    const users = await shoppers(60, "together");
    // Every shopper clicks twice at the same moment; the second click lands in the same or the next group.
    const answers = await Promise.all(users.flatMap((u) => [0, 1].map(() => admit({ saleId: sale.id, userId: u.id, idempotencyKey: null }))));

    const admitted = answers.filter((a) => a !== null);
    expect(admitted).toHaveLength(60);
    expect(answers.filter((a) => a === null)).toHaveLength(60);
    expect(new Set(admitted.map((a) => a.row.userId)).size).toBe(60);
    expect(admitted.map((a) => a.position).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(admitted.every((a) => typeof a.xid === "bigint" && a.xid > 0n)).toBe(true);

    const [counts] = await db.sql`SELECT
      (SELECT count(*)::int FROM orders WHERE sale_id = ${sale.id}) AS orders,
      (SELECT count(*)::int FROM pgboss.job WHERE name = 'place-order' AND data->>'saleId' = ${sale.id}) AS jobs,
      (SELECT count(*)::int FROM orders o WHERE sale_id = ${sale.id} AND NOT EXISTS (
        SELECT 1 FROM pgboss.job j WHERE j.name = 'place-order' AND j.data->>'orderId' = o.id::text)) AS orphans`;
    expect(counts).toEqual({ orders: 60, jobs: 60, orphans: 0 });
  });

  it("fails only the Buy that cannot be admitted; the others in its group still go through", async () => {
    const sale = await groupSale();
    const users = await shoppers(10, "one-bad");
    const ghost = randomUUID(); // no such user: its insert breaks the foreign key
    const results = await Promise.allSettled([...users.map((u) => u.id), ghost].map((userId) => admit({ saleId: sale.id, userId, idempotencyKey: 'key-"quoted",{braces}\\' })));
    expect(results.slice(0, 10).every((r) => r.status === "fulfilled" && r.value !== null)).toBe(true);
    expect(results[10]!.status).toBe("rejected");
    const [counts] = await db.sql`SELECT count(*)::int AS orders, count(*) FILTER (WHERE idempotency_key = ${'key-"quoted",{braces}\\'})::int AS keyed,
      (SELECT count(*)::int FROM pgboss.job WHERE name = 'place-order' AND data->>'saleId' = ${sale.id}) AS jobs
      FROM orders WHERE sale_id = ${sale.id}`;
    expect(counts).toEqual({ orders: 10, keyed: 10, jobs: 10 });
  });

  it("runs a group again when Postgres picks it as a deadlock victim: its Buys are admitted, not answered 503", async () => {
    const sale = await groupSale();
    // The group inserts its orders in (sale, shopper) order: `first`, then `second`.
    const [first, second] = (await shoppers(2, "deadlock")).sort((a, b) => (a.id < b.id ? -1 : 1));
    const [before] = await db.sql`SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()`;
    const other = await db.sql.reserve();
    try {
      // Another transaction holds `second`'s order and waits long before checking for deadlocks, so
      // Postgres's check runs in the group's statement and picks it as the victim.
      await other`BEGIN`;
      await other`SET LOCAL deadlock_timeout = '30s'`;
      await other`INSERT INTO orders (id, sale_id, user_id) VALUES (${randomUUID()}, ${sale.id}, ${second!.id})`;
      const group = admitBatch([first!, second!].map((u) => ({ saleId: sale.id, userId: u.id, idempotencyKey: null, id: randomUUID() })));
      // The group has inserted `first` and waits for `second`: closing the cycle makes a deadlock.
      const waiting = async () => (await db.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO orders%'`)[0]!.n;
      for (let i = 0; i < 100 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await waiting()).toBe(1);
      await other`INSERT INTO orders (id, sale_id, user_id) VALUES (${randomUUID()}, ${sale.id}, ${first!.id})`;
      // The group was rolled back, so this insert went through; the group's retry waits for this end.
      await other`ROLLBACK`;
      const admitted = await group;
      expect(admitted.map((a) => a?.row.userId)).toEqual([first!.id, second!.id]);
      expect(admitted.map((a) => a?.position)).toEqual([0, 1]);
    } finally {
      other.release();
    }
    const [after] = await db.sql`SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()`;
    // At least one: a retry that runs before the other transaction's waiting insert has woken can take
    // `first` again and close the same cycle once more (seen once on a loaded machine), and is run again.
    expect(after!.n - before!.n).toBeGreaterThanOrEqual(1);
    const [counts] = await db.sql`SELECT count(*)::int AS orders,
      (SELECT count(*)::int FROM pgboss.job WHERE name = 'place-order' AND data->>'saleId' = ${sale.id}) AS jobs
      FROM orders WHERE sale_id = ${sale.id}`;
    expect(counts).toEqual({ orders: 2, jobs: 2 });
  });

  it("lines up a group in the order its Buys arrived, and allocation fills them in that order", async () => {
    const sale = await liveSale({ name: "Arrival order", stock: 3 });
    // Arrivals in the reverse of the shoppers' id order, so a line that followed the ids would show it.
    const users = (await shoppers(12, "arrival")).sort((a, b) => (a.id < b.id ? 1 : -1));
    const admitted = await admitBatch(users.map((u) => ({ saleId: sale.id, userId: u.id, idempotencyKey: null, id: randomUUID() })));
    expect(admitted.map((a) => a!.position)).toEqual(users.map((_, i) => i));
    const seqs = admitted.map((a) => a!.row.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);

    await allocateOrders(admitted.map((a) => a!.row.id));
    const rows = await db.sql<{ user_id: string; status: string }[]>`SELECT user_id, status FROM orders WHERE sale_id = ${sale.id}`;
    const statusOf = new Map(rows.map((r) => [r.user_id, r.status]));
    expect(users.map((u) => statusOf.get(u.id))).toEqual([...Array(3).fill("completed"), ...Array(9).fill("failed")]);
  });

  it("looks up the orders of shoppers asked for at the same moment: theirs with its place in line, null for those without", async () => {
    const sale = await groupSale();
    const users = await shoppers(8, "lookup");
    const placed = await Promise.all(users.slice(0, 5).map((u) => admit({ saleId: sale.id, userId: u.id, idempotencyKey: null })));
    const found = await Promise.all(users.map((u) => shopperOrderInSale({ saleId: sale.id, userId: u.id })));
    expect(found.slice(0, 5).map((f) => f?.row.id)).toEqual(placed.map((p) => p!.row.id));
    expect(found.slice(0, 5).map((f) => f?.position).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(found.slice(5)).toEqual([null, null, null]);
  });
  it("plans the admission statement once per connection, even for groups of one Buy", async () => {
    const sale = await groupSale();
    const users = await shoppers(12, "alone");
    // One Buy at a time: every statement carries a single order, the case Postgres would otherwise
    // plan afresh on each execution.
    for (const u of users) expect(await admit({ saleId: sale.id, userId: u.id, idempotencyKey: null })).not.toBeNull();

    // pg_prepared_statements belongs to its session: ask each admission connection about its own.
    const sql = getAdmissionSql(2);
    const connections = await Promise.all([sql.reserve(), sql.reserve()]);
    try {
      const plans = await Promise.all(
        connections.map((c) => c<{ generic: string; custom: string }[]>`
          SELECT coalesce(sum(generic_plans), 0) AS generic, coalesce(sum(custom_plans), 0) AS custom
          FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO orders%'`),
      );
      const generic = plans.reduce((n, [row]) => n + Number(row!.generic), 0);
      const custom = plans.reduce((n, [row]) => n + Number(row!.custom), 0);
      expect(custom).toBe(0);
      expect(generic).toBeGreaterThanOrEqual(users.length);
    } finally {
      for (const c of connections) c.release();
    }
  });
});
