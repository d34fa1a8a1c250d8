import { eq, gt, sql } from "drizzle-orm";
import { getDb } from "./client";
import { config } from "./config";
import { AppError } from "./errors";
import { log } from "./log";
import { orders, workerMetrics } from "./schema";

// The admission gate and the backlog bound. Both read one snapshot of the pending orders, per sale,
// taken at most every 250 ms (a count over the partial index of pending orders), plus what this
// process admitted since that snapshot began: the check and the reservation happen in one
// synchronous step, so one process never admits past a bound. Other web processes are seen within
// one refresh.

const REFRESH_MS = 250;
// A snapshot older than this is waited for rather than served (the database was slow or down).
const STALE_MS = 2000;
// The wait a shopper would accept in the line; the default bound is drain rate × this.
export const ACCEPTABLE_WAIT_SECONDS = 2;
// Until a worker has measured its drain rate, assume this many orders per second.
export const DEFAULT_DRAIN_PER_SECOND = 1000;
// A floor for the measured bound: at low traffic batches are small and the measured rate is far
// below what the workers can do once a storm fills their batches.
const MIN_BOUND = 1000;
const MAX_RETRY_AFTER_SECONDS = 60;

type Snapshot = { seq: number; at: number; total: number; bySale: Map<string, number>; drainPerSecond?: number };

type State = {
  snapshot?: Snapshot;
  refreshing?: Promise<Snapshot>;
  startedSeq: number;
  lastDrain?: number;
  inFlight: Map<string, number>;
  // Admissions committed while refresh `tag` was the latest started: not yet in a landed snapshot.
  uncovered: Map<number, Map<string, number>>;
};

const holder = globalThis as unknown as { __flashSaleAdmission?: State };
function state(): State {
  holder.__flashSaleAdmission ??= { startedSeq: 0, inFlight: new Map(), uncovered: new Map() };
  return holder.__flashSaleAdmission;
}

/** Pending orders per sale: an index-only scan of `orders_pending_line_idx`. */
export async function countPendingBySale(): Promise<Map<string, number>> {
  const rows = await getDb()
    .select({ saleId: orders.saleId, pending: sql<number>`count(*)::int` })
    .from(orders)
    .where(eq(orders.status, "pending"))
    .groupBy(orders.saleId);
  return new Map(rows.map((r) => [r.saleId, r.pending]));
}

/** The drain rate the live workers reported (orders per second of allocation work), if any did. */
export async function reportedDrainRate(): Promise<number | undefined> {
  const [row] = await getDb()
    .select({ drain: sql<number | null>`sum(${workerMetrics.drainPerSecond})::float8` })
    .from(workerMetrics)
    .where(gt(workerMetrics.updatedAt, sql`now() - interval '15 seconds'`));
  const drain = row?.drain;
  return drain !== null && drain !== undefined && drain > 0 ? drain : undefined;
}

function refresh(): Promise<Snapshot> {
  const s = state();
  if (s.refreshing) return s.refreshing;
  const seq = ++s.startedSeq;
  s.refreshing = (async () => {
    try {
      const [bySale, drainPerSecond] = await Promise.all([countPendingBySale(), reportedDrainRate()]);
      let total = 0;
      for (const n of bySale.values()) total += n;
      const snapshot: Snapshot = { seq, at: Date.now(), total, bySale, drainPerSecond };
      s.snapshot = snapshot;
      if (drainPerSecond) s.lastDrain = drainPerSecond;
      for (const tag of s.uncovered.keys()) if (tag < seq) s.uncovered.delete(tag);
      return snapshot;
    } finally {
      s.refreshing = undefined;
    }
  })();
  return s.refreshing;
}

async function currentSnapshot(): Promise<Snapshot> {
  const s = state();
  const age = s.snapshot ? Date.now() - s.snapshot.at : Infinity;
  if (age < REFRESH_MS) return s.snapshot!;
  if (age < STALE_MS) {
    // Serve the recent one; the next request finds the fresh one.
    refresh().catch((err) => log.warn({ err }, "could not count the order backlog"));
    return s.snapshot!;
  }
  return refresh();
}

function localCount(saleId?: string): number {
  const s = state();
  let n = 0;
  const add = (counts: Map<string, number>) => {
    if (saleId === undefined) for (const v of counts.values()) n += v;
    else n += counts.get(saleId) ?? 0;
  };
  add(s.inFlight);
  for (const counts of s.uncovered.values()) add(counts);
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

/** The backlog as this process sees it now (refreshed if older than 250 ms), for metrics and stats. */
export async function backlogStatus(): Promise<BacklogStatus> {
  return status(await currentSnapshot());
}

/** Most orders a sale may hold pending: remaining × (1 + slack), never fewer than remaining. */
export function admissionCap(remaining: number, slack: number = config().ORDER_ADMISSION_SLACK): number {
  return Math.max(remaining, Math.floor(remaining * (1 + slack) + 1e-9));
}

export type Reservation = { settle: (isNewOrder: boolean) => void };

/**
 * Reserves a place for one new order in `saleId`, or throws: 410 `sold_out` when the sale already
 * has remaining × (1 + slack) orders pending (every unit is spoken for), 503 `busy` with a
 * Retry-After from the drain rate when the whole backlog is at its bound. The caller settles the
 * reservation once its transaction has committed (or not).
 */
export async function reserveAdmission({ saleId, remaining }: { saleId: string; remaining: number }): Promise<Reservation> {
  const snapshot = await currentSnapshot();
  const s = state();
  // From here to the reservation nothing awaits: no other request can slip between check and count.
  const salePending = (snapshot.bySale.get(saleId) ?? 0) + localCount(saleId);
  if (salePending >= admissionCap(remaining)) {
    throw new AppError("sold_out", "Every remaining unit is already claimed by shoppers ahead of you.");
  }
  const backlog = status(snapshot);
  if (backlog.depth >= backlog.bound) {
    const wait = Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(backlog.depth / backlog.drainPerSecond)));
    throw new AppError("busy", "Too many orders are waiting to be processed. Please try again shortly.", { retryAfterSeconds: wait });
  }
  bump(s.inFlight, saleId, 1);
  let isSettled = false;
  return {
    settle(isNewOrder) {
      if (isSettled) return;
      isSettled = true;
      bump(s.inFlight, saleId, -1);
      if (!isNewOrder) return;
      const tag = s.startedSeq;
      let counts = s.uncovered.get(tag);
      if (!counts) {
        counts = new Map();
        s.uncovered.set(tag, counts);
      }
      bump(counts, saleId, 1);
    },
  };
}
