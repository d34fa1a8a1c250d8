import { sql } from "drizzle-orm";
import { getDb } from "./client";
import { config } from "./config";
import { AppError } from "./errors";
import { log } from "./log";
import { orders, sales, workerMetrics } from "./schema";
import { isLiveWorkerRow } from "./worker-rows";

// The admission gate and the backlog bound. Both read one count of the pending orders, per sale,
// asked for at most 250 ms before the Buy judged on it arrived (over the partial index of pending
// orders; a Buy that finds it older waits for the next, which may wait up to SETTLE_WAIT_MS for this
// process's admissions in flight, below), together with each open
// sale's remaining stock, plus what this process admitted that the count could not see: its
// admissions in flight, and those committed after the count's MVCC snapshot (each admission knows
// its transaction id, the count returns its snapshot, so nothing is missed, and nothing counted twice
// unless its answer comes more than SETTLE_WAIT_MS after the count, when it errs on refusing). Check
// and reservation happen in one synchronous step, so one process never admits past a bound; other
// web processes are seen within one refresh.
//
// The gate compares pending orders with the remaining stock of the same snapshot: a worker moves an
// order from pending to completed and takes its unit in one transaction, so the two agree. Stock
// read at another moment (the sale cache) would not: units allocated after the count would be
// counted twice, still pending in the count and gone from the stock, and at a sale's tail the gate
// would tell shoppers it sold out while units were left for them.

// The oldest count a Buy is judged on; an older one is waited for (one refresh for every waiting Buy).
const REFRESH_MS = 250;
// From this age a count is refreshed in the background while it is still served, so that under steady
// traffic a Buy finds one young enough without waiting for it.
const PREFETCH_MS = 150;
// The wait a shopper would accept in the line; the default bound is drain rate × this.
export const ACCEPTABLE_WAIT_SECONDS = 2;
// Until a worker has measured its drain rate, assume this many orders per second.
export const DEFAULT_DRAIN_PER_SECOND = 1000;
// A floor for the measured bound: at low traffic batches are small and the measured rate is far
// below what the workers can do once a storm fills their batches.
const MIN_BOUND = 1000;
const MAX_RETRY_AFTER_SECONDS = 60;

type Snapshot = { at: number; total: number; bySale: Map<string, number>; remainingBySale: Map<string, number>; pg: PgSnapshot; drainPerSecond?: number };

type State = {
  snapshot?: Snapshot;
  refreshing?: Promise<Snapshot>;
  lastDrain?: number;
  inFlight: Map<string, number>;
  // Reservations not yet settled, each with its sale: each promise resolves when its reservation settles.
  open: Map<Promise<void>, string>;
  // Admissions committed that the last count did not see: transaction ids by sale.
  unseen: Map<string, bigint[]>;
};

/** A Postgres MVCC snapshot (`pg_current_snapshot()`): which transactions it sees as committed. */
export type PgSnapshot = { xmin: bigint; xmax: bigint; inProgress: Set<bigint> };

export function parsePgSnapshot(text: string): PgSnapshot {
  const [xmin, xmax, xip = ""] = text.split(":");
  return { xmin: BigInt(xmin!), xmax: BigInt(xmax!), inProgress: new Set(xip ? xip.split(",").map((x) => BigInt(x)) : []) };
}

/** Whether a transaction known to have committed was visible to `snapshot`. */
export function isVisible(xid: bigint, snapshot: PgSnapshot): boolean {
  return xid < snapshot.xmin || (xid < snapshot.xmax && !snapshot.inProgress.has(xid));
}

const holder = globalThis as unknown as { __flashSaleAdmission?: State };
function state(): State {
  holder.__flashSaleAdmission ??= { inFlight: new Map(), open: new Map(), unseen: new Map() };
  return holder.__flashSaleAdmission;
}

/**
 * Pending orders per sale (an index-only scan of `orders_pending_line_idx`), the remaining stock of
 * every sale open or about to open, and the MVCC snapshot both were read in: one statement, so all
 * three describe the same instant.
 */
export async function countPendingWithStock(): Promise<{ bySale: Map<string, number>; remainingBySale: Map<string, number>; pg: PgSnapshot }> {
  const rows = await getDb().execute<{ snapshot: string; counts: [string, number][] | null; remaining: [string, number][] | null }>(sql`
    SELECT pg_current_snapshot()::text AS snapshot,
      (SELECT json_agg(json_build_array(sale_id, n)) FROM (
        SELECT ${orders.saleId} AS sale_id, count(*)::int AS n FROM ${orders}
        WHERE ${orders.status} = 'pending' GROUP BY ${orders.saleId}) AS pending) AS counts,
      (SELECT json_agg(json_build_array(${sales.id}, ${sales.remaining})) FROM ${sales}
        WHERE ${sales.endsAt} > now() AND ${sales.startsAt} < now() + interval '1 minute') AS remaining`);
  const row = rows[0]!;
  return { bySale: new Map(row.counts ?? []), remainingBySale: new Map(row.remaining ?? []), pg: parsePgSnapshot(row.snapshot) };
}

/** The drain rate the live workers reported (orders per second of allocation work), if any did. */
export async function reportedDrainRate(): Promise<number | undefined> {
  const [row] = await getDb()
    .select({ drain: sql<number | null>`sum(${workerMetrics.drainPerSecond})::float8` })
    .from(workerMetrics)
    .where(isLiveWorkerRow(15));
  const drain = row?.drain;
  return drain !== null && drain !== undefined && drain > 0 ? drain : undefined;
}

function refresh(): Promise<Snapshot> {
  const s = state();
  if (s.refreshing) return s.refreshing;
  s.refreshing = (async () => {
    try {
      // Its age counts from when it was asked for: the count describes no later moment than that.
      const at = Date.now();
      // An admission in flight when the count is asked for may commit before the count's snapshot:
      // counted there as pending and here in flight, twice, and at a sale's tail the gate would refuse
      // a shopper a unit was left for. So the count is published once those have settled (an admission
      // round trip, usually; SETTLE_WAIT_MS at most, after which it errs on refusing, as before).
      const inFlightAtAsk = [...s.open.keys()];
      const [{ bySale, remainingBySale, pg }, drainPerSecond] = await Promise.all([countPendingWithStock(), reportedDrainRate()]);
      if (inFlightAtAsk.length > 0) await settledOrTimeout(inFlightAtAsk, SETTLE_WAIT_MS);
      let total = 0;
      for (const n of bySale.values()) total += n;
      const snapshot: Snapshot = { at, total, bySale, remainingBySale, pg, drainPerSecond };
      s.snapshot = snapshot;
      if (drainPerSecond) s.lastDrain = drainPerSecond;
      for (const [saleId, xids] of s.unseen) {
        const still = xids.filter((xid) => !isVisible(xid, pg));
        if (still.length === 0) s.unseen.delete(saleId);
        else s.unseen.set(saleId, still);
      }
      return snapshot;
    } finally {
      s.refreshing = undefined;
    }
  })();
  return s.refreshing;
}

const SETTLE_WAIT_MS = 100;
// How long a Buy the gate would refuse waits for this process's admissions in flight in its sale (below).
const GATE_SETTLE_WAIT_MS = 1000;

function settledOrTimeout(settling: Promise<void>[], ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([Promise.all(settling), timeout]).finally(() => clearTimeout(timer));
}

async function currentSnapshot(): Promise<Snapshot> {
  const s = state();
  const age = s.snapshot ? Date.now() - s.snapshot.at : Infinity;
  if (age >= REFRESH_MS) return refresh();
  if (age >= PREFETCH_MS) refresh().catch((err) => log.warn({ err }, "could not count the order backlog"));
  return s.snapshot!;
}

function localCount(saleId?: string): number {
  const s = state();
  if (saleId !== undefined) return (s.inFlight.get(saleId) ?? 0) + (s.unseen.get(saleId)?.length ?? 0);
  let n = 0;
  for (const v of s.inFlight.values()) n += v;
  for (const xids of s.unseen.values()) n += xids.length;
  return n;
}

function bump(counts: Map<string, number>, saleId: string, by: number): void {
  const n = (counts.get(saleId) ?? 0) + by;
  if (n === 0) counts.delete(saleId);
  else counts.set(saleId, n);
}

export type BacklogStatus = { depth: number; bound: number; drainPerSecond: number; isMeasured: boolean };

function status(snapshot: Snapshot | undefined): BacklogStatus {
  const s = state();
  const measured = snapshot?.drainPerSecond ?? s.lastDrain;
  const drainPerSecond = measured ?? DEFAULT_DRAIN_PER_SECOND;
  const bound = config().ORDER_BACKLOG_MAX ?? Math.max(MIN_BOUND, Math.round(drainPerSecond * ACCEPTABLE_WAIT_SECONDS));
  return { depth: (snapshot?.total ?? 0) + localCount(), bound, drainPerSecond, isMeasured: measured !== undefined };
}

/** The backlog now, for metrics and stats: waits for a fresh count when the last is over 250 ms old. */
export async function backlogStatus(): Promise<BacklogStatus> {
  const s = state();
  const isFresh = s.snapshot && Date.now() - s.snapshot.at < REFRESH_MS;
  return status(isFresh ? s.snapshot : await refresh());
}

/** Most orders a sale may hold pending: remaining × (1 + slack), never fewer than remaining. */
export function admissionCap(remaining: number, slack: number = config().ORDER_ADMISSION_SLACK): number {
  return Math.max(remaining, Math.floor(remaining * (1 + slack) + 1e-9));
}

export type Reservation = {
  /** After the admission transaction: `xid` of the committed transaction that inserted a new order, else null. */
  settle: (committedXid: bigint | null) => void;
};

/**
 * Reserves a place for one new order in `saleId`, or throws: 410 `sold_out` when the sale already
 * has remaining × (1 + slack) orders pending (every unit is spoken for), 503 `busy` with a
 * Retry-After from the drain rate when the whole backlog is over its bound. `remaining` (the caller's
 * view of the sale) counts only for a sale the last count did not include, one that opened since.
 * The caller settles the reservation once its transaction has committed (or not).
 */
export async function reserveAdmission({ saleId, remaining }: { saleId: string; remaining: number }): Promise<Reservation> {
  const s = state();
  const deadline = Date.now() + GATE_SETTLE_WAIT_MS;
  let snapshot = await currentSnapshot();
  // From the last check to the reservation nothing awaits: no other request can slip between check and count.
  while ((snapshot.bySale.get(saleId) ?? 0) + localCount(saleId) >= admissionCap(snapshot.remainingBySale.get(saleId) ?? remaining)) {
    // Admissions in flight count as orders until they settle, but some add none: a shopper's repeat
    // clicks, or retries with one Idempotency-Key, each hold a place until the insert finds the order
    // they already have. Refusing on them would tell another shopper a sale is sold out with a unit
    // left for them. So a refusal that rests on admissions in flight in this sale waits for them to
    // settle (an admission round trip) and judges again; what they did add is counted by then.
    const inFlight = [...s.open].flatMap(([settled, sale]) => (sale === saleId ? [settled] : []));
    const wait = deadline - Date.now();
    if (inFlight.length === 0 || wait <= 0) throw new AppError("sold_out", "Every remaining unit is already claimed by shoppers ahead of you.");
    await settledOrTimeout(inFlight, wait);
    snapshot = await currentSnapshot();
  }
  const backlog = status(snapshot);
  // Over the bound, as the contract has it: a backlog exactly at it still admits (and goes one past).
  if (backlog.depth > backlog.bound) {
    const wait = Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(backlog.depth / backlog.drainPerSecond)));
    throw new AppError("busy", "Too many orders are waiting to be processed. Please try again shortly.", { retryAfterSeconds: wait });
  }
  bump(s.inFlight, saleId, 1);
  let isSettled = false;
  let markSettled!: () => void;
  const settled = new Promise<void>((resolve) => (markSettled = resolve));
  s.open.set(settled, saleId);
  return {
    settle(committedXid) {
      if (isSettled) return;
      isSettled = true;
      bump(s.inFlight, saleId, -1);
      s.open.delete(settled);
      markSettled();
      // Counted from now on until a count sees it (one may already have).
      if (committedXid === null || (s.snapshot && isVisible(committedXid, s.snapshot.pg))) return;
      const xids = s.unseen.get(saleId);
      if (xids) xids.push(committedXid);
      else s.unseen.set(saleId, [committedXid]);
    },
  };
}
