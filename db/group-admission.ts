import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { insertJobs, notifyChannelSql } from "pg-boss/dist/plans.js";
import { BOSS_SCHEMA, jobTable, webBoss } from "@/jobs/boss";
import { PLACE_ORDER } from "@/jobs/queues";
import { batcher } from "./batcher";
import { getAdmissionSql, getDb, getPool } from "./client";
import { config } from "./config";
import { log } from "./log";
import { webMetrics } from "./metrics";
import { positionInLine } from "./line";
import { arrayLiteral } from "./pg-array";
import { checkHeldSale, heldSaleError, isHeldNow, markHeldSales } from "./held-sales";
import { isLockTimeout, isTxConflict, withTransientRetry } from "./retry";
import type { OrderRow } from "./schema";

// Group admission: Buys that arrive while ADMISSION_TX_MAX statements are in flight wait for the next one, and that
// one admits them all in ONE statement, which Postgres commits atomically on its own: the multi-row
// INSERT of the orders, the pg-boss job of each order actually inserted, and their places in line
// (a NOTIFY then wakes an idle worker: wakeWorkers, below). One round trip and one commit for the group, where a
// transaction of separate statements took five (BEGIN, insert, job insert, count, COMMIT). Under a
// storm that turns thousands of per-order transactions into a few dozen; alone, a Buy waits for
// nobody (it goes on the next tick).

export type Admission = { saleId: string; userId: string; idempotencyKey: string | null };
/** A new order, its place in line and the id of the transaction that committed it; null when the
 * shopper already had an order in the sale, or one under this Idempotency-Key (the caller looks it up). */
export type Admitted = { row: OrderRow; position: number; xid: bigint } | null;

// Two statements in flight (ADMISSION_TX_MAX) let one fill while the other commits; more only add
// lock contention. Sized from config() on the first Buy rather than at import, so that importing this
// module reads no setting (config() reads the environment once, on its first call in the process).
let admitter: ((item: Admission) => Promise<Admitted | typeof HELD>) | undefined;

/** A Buy of a sale whose row another transaction holds (db/held-sales.ts): answered 503. */
const HELD = Symbol("held sale");

/** Admits one Buy in the next group statement: its order and job exist together, or neither. A
 * group that fails is retried Buy by Buy, so one bad Buy fails alone; one the database could not run
 * (down, unreachable) fails whole, at once (db/batcher.ts); one that gave up on a sale's row another
 * transaction holds answers that sale's Buys 503 and admits the others (db/held-sales.ts). */
export async function admit(item: Admission): Promise<Admitted> {
  const held = checkHeldSale(item.saleId);
  if (held) await held;
  admitter ??= batcher(admitGroup, { maxBatch: config().ADMISSION_BATCH_MAX, maxInFlight: config().ADMISSION_TX_MAX });
  const admitted = await admitter(item);
  if (admitted === HELD) throw heldSaleError();
  return admitted;
}

/** One group's admission; the Buys of a sale marked held are left out of it. */
async function admitGroup(items: Admission[]): Promise<(Admitted | typeof HELD)[]> {
  const batch = items.map((i) => ({ ...i, id: randomUUID() }));
  const open = batch.filter((b) => !isHeldNow(b.saleId));
  let results: Admitted[];
  try {
    results = open.length > 0 ? await admitBatch(open) : [];
  } catch (err) {
    if (!isLockTimeout(err)) throw err;
    // Not a sale's row (an order's, say): the batcher tries the group Buy by Buy.
    if ((await markHeldSales(open.map((b) => b.saleId))).size === 0) throw err;
    return admitGroup(items);
  }
  if (open.length === batch.length) return results;
  const byId = new Map(open.map((b, i) => [b.id, results[i]!]));
  return batch.map((b) => (byId.has(b.id) ? byId.get(b.id)! : HELD));
}

type RawOrder = { id: string; seq: string | number; sale_id: string; user_id: string; status: OrderRow["status"]; failure_reason: string | null; idempotency_key: string | null; created_at: string | Date; updated_at: string | Date };

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

/**
 * The admission statement's text, built once per process. The job insert is pg-boss's own statement
 * for this queue (its defaults, retry policy and dead letter come from the queue row, as with
 * `boss.insert()`), reading its recordset from the orders the statement inserted instead of from a
 * parameter, so a Buy skipped by ON CONFLICT gets no job. pg-boss is pinned to an exact version in
 * package.json: its job table layout is part of this statement.
 */
let admissionText: Promise<string> | undefined;
function admissionStatement(): Promise<string> {
  admissionText ??= (async () => {
    const table = await jobTable(await webBoss(), PLACE_ORDER);
    // Each job's priority is its place in line, negated: pg-boss fetches by priority, highest first,
    // then by created_on, the moment the job's statement began. Two statements in flight draw their
    // places as they run, so the one that began first can draw the later places; by created_on alone a
    // fetch cut short by its batch size would take those and leave the earlier ones for a later batch,
    // which at a sale's last units finds them sold out. With the priority the fetch follows the line
    // (places past 2^31 share the lowest priority and fall back to created_on, then to the order the
    // group's jobs were inserted in, place order here). A job queued without
    // one (an order re-queued after losing its job, jobs/lost-orders.ts) has priority 0 and goes
    // first, as an order that old should.
    const jobsFromOrders = `(SELECT coalesce(json_agg(json_build_object('data', json_build_object('orderId', id, 'saleId', sale_id, 'seq', seq), 'priority', -least(seq, 2147483647)) ORDER BY seq), '[]')::text FROM inserted)`;
    const insertJobsText = insertJobs(BOSS_SCHEMA, { table, name: PLACE_ORDER, returnId: false }).trim();
    if (!insertJobsText.includes("$1::text::json")) throw new Error("pg-boss's job insert no longer reads its jobs from $1");
    const jobInsert = `${insertJobsText.replace("$1::text::json", () => `${jobsFromOrders}::json`)} RETURNING id, start_after`;
    return `
      WITH inserted AS (
        INSERT INTO orders (id, sale_id, user_id, idempotency_key, seq) OVERRIDING SYSTEM VALUE
        -- Places in line (seq) in the group's arrival order, which allocation fills in; the rows are
        -- then inserted in (sale, shopper) order in every group, so two groups holding the same shoppers
        -- do not deadlock on that unique index (the Idempotency-Key index is not ordered so: a deadlock
        -- there is retried). (A subquery with nextval() in its output is not merged into the outer query.)
        SELECT id, sale_id, user_id, idempotency_key, seq FROM (
          SELECT b.*, nextval('orders_seq_seq') AS seq
          FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[]) WITH ORDINALITY AS b(id, sale_id, user_id, idempotency_key, arrival)
          ORDER BY b.arrival
        ) arrived
        ORDER BY sale_id, user_id
        -- Any unique conflict (one order per shopper per sale, one per Idempotency-Key) skips the row.
        ON CONFLICT DO NOTHING
        RETURNING id, seq, sale_id, user_id, status, failure_reason, idempotency_key, created_at, updated_at
      ),
      jobs AS (${jobInsert}),
      -- Orders of each sale already in line ahead of this group (committed before this statement
      -- began: the statement's snapshot does not see its own rows): positionInLine (./line.ts) for the
      -- group's first order, the others follow it in seq order.
      -- MATERIALIZED: counted once per sale, not once per inserted row.
      ahead AS MATERIALIZED (
        SELECT f.sale_id, (SELECT count(*) FROM orders a WHERE a.sale_id = f.sale_id AND a.status = 'pending' AND a.seq < f.seq)::int AS n
        FROM (SELECT sale_id, min(seq) AS seq FROM inserted GROUP BY sale_id) f
      )
      SELECT i.*, a.n + (row_number() OVER (PARTITION BY i.sale_id ORDER BY i.seq))::int - 1 AS position,
        pg_current_xact_id()::text AS xid,
        -- An order without its job would never be allocated: a mismatch aborts the whole statement.
        1 / (CASE WHEN (SELECT count(*) FROM jobs) = (SELECT count(*) FROM inserted) THEN 1 ELSE 0 END) AS jobs_match
      FROM inserted i JOIN ahead a USING (sale_id)`;
  })().catch((err) => {
    admissionText = undefined;
    throw err;
  });
  return admissionText;
}

/**
 * One statement for the whole batch; answers in the batch's order. A deadlock or serialization
 * failure rolls the statement back whole, so it is run again (up to four times; a group that keeps
 * losing is then retried Buy by Buy, and a Buy that still does gets 503 `unavailable`).
 */
export async function admitBatch(batch: (Admission & { id: string })[]): Promise<Admitted[]> {
  const text = await admissionStatement();
  const params = [
    arrayLiteral(batch.map((b) => b.id)),
    arrayLiteral(batch.map((b) => b.saleId)),
    arrayLiteral(batch.map((b) => b.userId)),
    arrayLiteral(batch.map((b) => b.idempotencyKey)),
  ];
  const metrics = webMetrics();
  const stopTimer = metrics.groupSeconds.startTimer();
  const rows = await withTransientRetry("admit", () => getAdmissionSql(config().ADMISSION_TX_MAX).unsafe<(RawOrder & { position: number; xid: string })[]>(text, params, { prepare: true }), {
    attempts: 4,
    baseDelayMs: 5,
    retryOn: isTxConflict,
  }).finally(stopTimer);
  // Counted once its statement has answered: a group that failed (and is run again, whole or Buy by
  // Buy) admitted nobody in that statement.
  metrics.groupSize.observe(batch.length);
  if (rows.length > 0) wakeWorkers();
  const byId = new Map<string, NonNullable<Admitted>>();
  for (const r of rows) byId.set(r.id, { row: toRow(r), position: Number(r.position), xid: BigInt(r.xid) });
  return batch.map((b) => byId.get(b.id) ?? null);
}

// Waking the workers: pg-boss's NOTIFY for the queue (the worker LISTENs, and otherwise polls every few
// seconds when idle), sent after the jobs have committed, at most once per WORKER_WAKE_MS and always
// within it of a commit (a trailing throttle). It is not part of the admission statement: at commit,
// Postgres serializes every transaction that notified behind one lock held through its WAL flush, so
// a NOTIFY in each statement made the groups commit one after another instead of together; a NOTIFY
// alone writes no WAL. A worker that is busy does not need waking: it fetches again after its batch.
const wake = { lastAt: 0, isScheduled: false };

function wakeWorkers(): void {
  if (wake.isScheduled) return;
  wake.isScheduled = true;
  const { sql } = getPool();
  const timer = setTimeout(() => {
    wake.isScheduled = false;
    wake.lastAt = Date.now();
    sql
      .unsafe(`SELECT pg_notify(${notifyChannelSql(BOSS_SCHEMA)}, $1)`, [PLACE_ORDER], { prepare: true })
      // The jobs are safe in the table either way: an idle worker finds them at its next poll.
      .catch((err) => log.warn({ err }, "could not wake the workers"));
  }, Math.max(0, wake.lastAt + config().WORKER_WAKE_MS - Date.now()));
  timer.unref();
}

type ShopperInSale = { saleId: string; userId: string };

/** Each shopper's order in the given sale with its place in line, or null: one read for them all. */
export async function shopperOrdersInSales(keys: ShopperInSale[]): Promise<({ row: OrderRow; position: number | null } | null)[]> {
  const rows = await getDb().execute<RawOrder & { position: number | null }>(sql`
    SELECT orders.id, orders.seq, orders.sale_id, orders.user_id, orders.status, orders.failure_reason, orders.idempotency_key,
      orders.created_at, orders.updated_at, ${positionInLine} AS position
    FROM orders
    JOIN unnest(${arrayLiteral(keys.map((k) => k.saleId))}::uuid[], ${arrayLiteral(keys.map((k) => k.userId))}::uuid[]) AS k(sale_id, user_id)
      ON orders.sale_id = k.sale_id AND orders.user_id = k.user_id`);
  const found = new Map(rows.map((r) => [`${r.sale_id}/${r.user_id}`, { row: toRow(r), position: r.position }]));
  return keys.map((k) => found.get(`${k.saleId}/${k.userId}`) ?? null);
}

/** A shopper's order in a sale, looked up together with the others asked for at the same moment:
 * in a storm, every Buy the admission gate turns away asks whether that shopper is already in line. */
export const shopperOrderInSale = batcher(shopperOrdersInSales, { maxBatch: 1000, maxInFlight: 2 });
