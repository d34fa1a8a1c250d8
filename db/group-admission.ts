import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { fromDrizzle } from "pg-boss";
import { webBoss } from "@/jobs/boss";
import { PLACE_ORDER, type PlaceOrderJob } from "@/jobs/queues";
import { batcher } from "./batcher";
import { getDb, type DbOrTx } from "./client";
import type { OrderRow } from "./schema";

// Group admission: Buys that arrive while a transaction is in flight wait for the next one, and
// that one admits them all: one multi-row INSERT of the orders, one pg-boss batch insert of their
// jobs, one count for their places in line, one commit. Under a storm that turns thousands of
// per-order transactions into a few dozen; alone, a Buy waits for nobody (it goes on the next tick).

export type Admission = { saleId: string; userId: string; idempotencyKey: string | null };
/** A new order, its place in line and the id of the transaction that committed it; null when the
 * shopper already had an order in the sale, or one under this Idempotency-Key (the caller looks it up). */
export type Admitted = { row: OrderRow; position: number; xid: bigint } | null;

/** Admits one Buy in the next group transaction: its order and job exist together, or neither. A
 * group that fails is retried Buy by Buy, so one bad Buy fails alone. */
export const admit = batcher((items: Admission[]) => admitBatch(items.map((item) => ({ ...item, id: randomUUID() }))), {
  maxBatch: Number(process.env.ADMISSION_BATCH_MAX) || 500,
  // Two transactions in flight let one fill while the other commits; more only add lock contention.
  maxInFlight: Number(process.env.ADMISSION_TX_MAX) || 2,
});

// Arrays go as Postgres array literals, one parameter each, so the statement text (and its prepared
// plan) is the same whatever the batch size.
const arrayLiteral = (values: (string | null)[]) => `{${values.map((v) => (v === null ? "NULL" : `"${v.replace(/[\\"]/g, "\\$&")}"`)).join(",")}}`;

type RawOrder = { id: string; seq: string | number; sale_id: string; user_id: string; status: OrderRow["status"]; failure_reason: string | null; idempotency_key: string | null; created_at: string | Date; updated_at: string | Date; xid?: string };

const toRow = (r: RawOrder): OrderRow => ({
  id: r.id,
  seq: Number(r.seq),
  saleId: r.sale_id,
  userId: r.user_id,
  status: r.status,
  failureReason: r.failure_reason,
  idempotencyKey: r.idempotency_key,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

/** Pending orders of a sale ahead of `seq` (a range count over the partial index of the line). */
async function countAhead({ tx, saleId, seq }: { tx: DbOrTx; saleId: string; seq: number }): Promise<number> {
  const [row] = await tx.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM orders WHERE sale_id = ${saleId} AND status = 'pending' AND seq < ${seq}`);
  return row?.n ?? 0;
}

/** One transaction for the whole batch; answers in the batch's order. */
export async function admitBatch(batch: (Admission & { id: string })[]): Promise<Admitted[]> {
  const boss = await webBoss();
  return getDb().transaction(async (tx) => {
    // Any unique conflict (one order per shopper per sale, one per Idempotency-Key) skips the row.
    // The transaction id tells the backlog count whether it has seen these orders yet.
    const inserted = await tx.execute<RawOrder>(sql`
      INSERT INTO orders (id, sale_id, user_id, idempotency_key)
      SELECT * FROM unnest(${arrayLiteral(batch.map((b) => b.id))}::uuid[], ${arrayLiteral(batch.map((b) => b.saleId))}::uuid[],
                           ${arrayLiteral(batch.map((b) => b.userId))}::uuid[], ${arrayLiteral(batch.map((b) => b.idempotencyKey))}::text[])
      -- One lock order for every batch, so two batches holding the same shoppers do not deadlock.
      ORDER BY 2, 3
      ON CONFLICT DO NOTHING
      RETURNING id, seq, sale_id, user_id, status, failure_reason, idempotency_key, created_at, updated_at, pg_current_xact_id()::text AS xid`);

    const byId = new Map<string, NonNullable<Admitted>>();
    if (inserted.length > 0) {
      const rows = inserted.map(toRow);
      const xid = BigInt(inserted[0]!.xid!);
      const jobs = rows.map((r) => ({ data: { orderId: r.id, saleId: r.saleId } satisfies PlaceOrderJob }));
      await boss.insert(PLACE_ORDER, jobs, { db: fromDrizzle(tx, sql) });
      // Places in line: one count per sale for the orders ahead of this batch, then their order within it.
      const bySale = new Map<string, OrderRow[]>();
      for (const r of rows) bySale.set(r.saleId, [...(bySale.get(r.saleId) ?? []), r]);
      for (const [saleId, line] of bySale) {
        line.sort((a, b) => a.seq - b.seq);
        const ahead = await countAhead({ tx, saleId, seq: line[0]!.seq });
        line.forEach((row, i) => byId.set(row.id, { row, position: ahead + i, xid }));
      }
    }
    return batch.map((b) => byId.get(b.id) ?? null);
  });
}

type ShopperInSale = { saleId: string; userId: string };

/** Each shopper's order in the given sale with its place in line, or null: one read for them all. */
export async function shopperOrdersInSales(keys: ShopperInSale[]): Promise<({ row: OrderRow; position: number | null } | null)[]> {
  const rows = await getDb().execute<RawOrder & { position: number | null }>(sql`
    SELECT o.id, o.seq, o.sale_id, o.user_id, o.status, o.failure_reason, o.idempotency_key, o.created_at, o.updated_at,
      CASE WHEN o.status = 'pending' THEN (
        SELECT count(*)::int FROM orders AS ahead WHERE ahead.sale_id = o.sale_id AND ahead.status = 'pending' AND ahead.seq < o.seq
      ) END AS position
    FROM orders o
    JOIN unnest(${arrayLiteral(keys.map((k) => k.saleId))}::uuid[], ${arrayLiteral(keys.map((k) => k.userId))}::uuid[]) AS k(sale_id, user_id)
      ON o.sale_id = k.sale_id AND o.user_id = k.user_id`);
  const found = new Map(rows.map((r) => [`${r.sale_id}/${r.user_id}`, { row: toRow(r), position: r.position }]));
  return keys.map((k) => found.get(`${k.saleId}/${k.userId}`) ?? null);
}

/** A shopper's order in a sale, looked up together with the others asked for at the same moment:
 * in a storm, every Buy the admission gate turns away asks whether that shopper is already in line. */
export const shopperOrderInSale = batcher(shopperOrdersInSales, { maxBatch: 1000, maxInFlight: 2 });
