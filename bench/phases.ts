import { build } from "hdr-histogram-js";
import type postgres from "postgres";
import type { Pool } from "undici";
import { auditSale, createLiveSale, finalTimes, pendingOrders, queueDepth, type SaleAudit, type Shopper } from "./data";
import { clickOrder, closedLoop, fire, mergeLoads, openLoop, summarize, type LoadResult } from "./load";

// The load phases of a run. Each makes its own sale, so the phases never see each other's orders.

const buyPath = (saleId: string) => `/api/sales/${saleId}/orders`;
export const naivePath = (saleId: string) => `/api/bench/naive/${saleId}/orders`;
export const floorPath = "/api/bench/floor";
const floorLabels = { 200: "ok" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the workers have taken every queued job and the sale has no pending order. */
export async function drain({ sql, saleId, timeoutMs }: { sql: postgres.Sql; saleId?: string; timeoutMs: number }): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const depth = await queueDepth({ sql });
    const pending = saleId ? await pendingOrders({ sql, saleId }) : 0;
    if (depth === 0 && pending === 0) return true;
    await sleep(100);
  }
  return false;
}

export type Correctness = {
  accepted: number;
  completed: number;
  unitsSold: number;
  oversold: number;
  /** Units left unsold although more shoppers than units were admitted or refused. */
  undersold: number;
  lost: number;
  /** Orders in the table that no shopper was told about (neither a 202 nor a repeat click's 200). */
  untold: number;
  duplicates: number;
  /**
   * Orders completed although an order placed before them was refused as sold out: first come, first
   * served broken for that many. Reported, not part of `isCorrect`: one worker process keeps the line
   * (jobs/turns.ts), but two do not keep it against each other.
   */
  outOfLine: number;
  isInvariantHeld: boolean;
  isCorrect: boolean;
};

export type StormResult = {
  load: LoadResult;
  audit: SaleAudit;
  correct: Correctness;
  queueDepth: [number, number][];
  timeToLastFinalMs: number | null;
  allocatedPerS: number | null;
  pollRounds: number;
};

/** The flash-sale storm: `requests` Buy clicks from `shoppers`, `concurrency` in flight, then every
 * accepted order polled through the API until it is final. */
export async function storm(options: {
  pool: Pool;
  sql: postgres.Sql;
  shoppers: Shopper[];
  stock: number;
  requests: number;
  concurrency: number;
  pollTimeoutMs: number;
  seed: number;
}): Promise<StormResult> {
  const { pool, sql, shoppers } = options;
  const saleId = await createLiveSale({ sql, name: "Bench storm", stock: options.stock });
  const clicks = clickOrder({ shoppers: shoppers.length, requests: options.requests, seed: options.seed });
  const accepted = new Map<string, number>(); // order id → shopper index
  const acceptedByShopper = new Map<number, Set<string>>();

  const depth: [number, number][] = [];
  const started = performance.now();
  const startedEpoch = Date.now();
  let isSampling = true;
  const sampler = (async () => {
    while (isSampling) {
      depth.push([(performance.now() - started) / 1000, await queueDepth({ sql })]);
      await sleep(250);
    }
  })();

  const load = await closedLoop({
    pool,
    count: options.requests,
    concurrency: options.concurrency,
    maxSeconds: 600,
    shot: (i) => ({ method: "POST", path: buyPath(saleId), cookie: shoppers[clicks[i]!]!.cookie }),
    onAnswer: ({ index, status, body }) => {
      if (status !== 202 && status !== 200) return;
      const shopper = clicks[index]!;
      const orderId = body?.order?.id as string;
      if (status === 202) accepted.set(orderId, shopper);
      const seen = acceptedByShopper.get(shopper) ?? new Set<string>();
      seen.add(orderId);
      acceptedByShopper.set(shopper, seen);
    },
  });

  // Every accepted order, polled as a shopper's browser would, until it is final or time runs out.
  const waiting = new Map(accepted);
  const pollDeadline = Date.now() + options.pollTimeoutMs;
  let pollRounds = 0;
  while (waiting.size > 0 && Date.now() < pollDeadline) {
    pollRounds++;
    const ids = [...waiting.keys()];
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < ids.length && Date.now() < pollDeadline) {
          const id = ids[next++]!;
          const answer = await fire(pool, { method: "GET", path: `/api/orders/${id}`, cookie: shoppers[waiting.get(id)!]!.cookie });
          const status = answer.body?.order?.status;
          if (answer.status === 200 && status && status !== "pending") waiting.delete(id);
        }
      }),
    );
    if (waiting.size > 0) await sleep(200);
  }
  isSampling = false;
  await sampler;

  const audit = await auditSale({ sql, saleId });
  const unitsSold = audit.stock - audit.remaining;
  // A shopper who was told "accepted" with two different order ids got a duplicate.
  const splitAnswers = [...acceptedByShopper.values()].filter((ids) => ids.size > 1).length;
  const told = new Set([...acceptedByShopper.values()].flatMap((ids) => [...ids]));
  const correct: Correctness = {
    accepted: accepted.size,
    completed: audit.completed,
    unitsSold,
    oversold: Math.max(0, audit.completed - audit.stock, -audit.remaining),
    // More shoppers than units pressed Buy: every unit is sold, none held back by an order left pending.
    undersold: Math.max(0, Math.min(audit.stock, shoppers.length) - audit.completed),
    // A 202 never seen final, or an order still pending (one whose 202 never reached the shopper too).
    lost: Math.max(waiting.size, audit.pending),
    untold: Math.max(0, audit.orders - told.size),
    duplicates: audit.duplicateOrders + splitAnswers,
    outOfLine: audit.outOfLine,
    isInvariantHeld: audit.isInvariantHeld,
    isCorrect: false,
  };
  // A storm in which nobody was admitted proves nothing: that is a broken run, not a correct one.
  correct.isCorrect =
    correct.accepted > 0 &&
    correct.oversold === 0 &&
    correct.undersold === 0 &&
    correct.lost === 0 &&
    correct.untold === 0 &&
    correct.duplicates === 0 &&
    correct.isInvariantHeld &&
    audit.completed === unitsSold;
  // From the first order accepted, not the first made final: every order of a batch carries the
  // batch's one time, so a span from the first final time would leave out the first batch's work.
  const finalSpan = audit.firstAcceptedAt !== null && audit.lastFinalAt !== null ? audit.lastFinalAt - audit.firstAcceptedAt : null;
  return {
    load,
    audit,
    correct,
    queueDepth: depth,
    timeToLastFinalMs: audit.lastFinalAt !== null ? Math.round(audit.lastFinalAt - startedEpoch) : null,
    allocatedPerS: finalSpan ? Math.round(((audit.completed + audit.failed) / finalSpan) * 1000) : null,
    pollRounds,
  };
}

/** The naive checkout under the same storm. */
export async function naiveStorm(options: { pool: Pool; sql: postgres.Sql; shoppers: Shopper[]; stock: number; requests: number; concurrency: number; seed: number }) {
  const { pool, sql, shoppers } = options;
  const saleId = await createLiveSale({ sql, name: "Bench naive", stock: options.stock });
  const clicks = clickOrder({ shoppers: shoppers.length, requests: options.requests, seed: options.seed });
  const load = await closedLoop({
    pool,
    count: options.requests,
    concurrency: options.concurrency,
    maxSeconds: 600,
    shot: (i) => ({ method: "POST", path: naivePath(saleId), cookie: shoppers[clicks[i]!]!.cookie }),
  });
  const audit = await auditSale({ sql, saleId });
  const oversold = Math.max(0, audit.completed - audit.stock);
  return { load, audit, oversold, isCorrect: audit.completed > 0 && oversold === 0 && audit.isInvariantHeld && audit.duplicateOrders === 0 };
}

/**
 * Buy and the floor at the same fixed arrival rate, in alternating slices (floor, Buy, floor, Buy…),
 * so that both see the same stretch of a machine whose other load comes and goes. Buy: one click per
 * shopper, stock for all, latency without a closed loop's queueing, and the time from each 202 to
 * its order's final state. Each Buy slice's orders are drained before the next floor slice starts.
 * `timed` wraps every slice, so CPU per request can be counted per side.
 */
export async function openLoopSideBySide(options: {
  pool: Pool;
  sql: postgres.Sql;
  shoppers: Shopper[];
  rate: number;
  count: number;
  slices: number;
  drainTimeoutMs: number;
  timed: <T extends { requests: number }>(side: "floor" | "admission", run: () => Promise<T>) => Promise<T>;
}) {
  const { pool, sql, shoppers, rate, slices } = options;
  const saleId = await createLiveSale({ sql, name: "Bench open loop", stock: options.count });
  const answeredAt = new Map<string, number>();
  let floor: LoadResult | undefined;
  let buy: LoadResult | undefined;
  let isDrained = true;
  for (let slice = 0, done = 0; slice < slices; slice++) {
    const count = Math.round((options.count * (slice + 1)) / slices) - done;
    const offset = done;
    done += count;
    const floorSlice = await options.timed("floor", () =>
      openLoop({ pool, rate, count, shot: (i) => ({ method: "POST", path: floorPath, cookie: shoppers[(offset + i) % shoppers.length]!.cookie, labels: floorLabels }) }),
    );
    const buySlice = await options.timed("admission", async () => {
      const load = await openLoop({
        pool,
        rate,
        count,
        shot: (i) => ({ method: "POST", path: buyPath(saleId), cookie: shoppers[offset + i]!.cookie }),
        onAnswer: ({ status, body, answeredAt: at }) => {
          // Wall-clock time, as the order's timestamps in Postgres are (performance.timeOrigin drifts
          // from it by a millisecond or so).
          if (status === 202) answeredAt.set(body.order.id, Date.now() - (performance.now() - at));
        },
      });
      isDrained = (await drain({ sql, saleId, timeoutMs: options.drainTimeoutMs })) && isDrained;
      return load;
    });
    floor = floor ? mergeLoads(floor, floorSlice) : floorSlice;
    buy = buy ? mergeLoads(buy, buySlice) : buySlice;
  }
  const finals = await finalTimes({ sql, orderIds: [...answeredAt.keys()] });
  const toFinal = build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  // An order can be final before its 202 reaches the client; that counts as no wait at all.
  for (const [id, at] of answeredAt) {
    const finalAt = finals.get(id);
    if (finalAt !== undefined) toFinal.recordValue(Math.max(1, Math.round((finalAt - at) * 1000)));
  }
  const audit = await auditSale({ sql, saleId });
  return { floor: floor!, load: buy!, toFinal: summarize(toFinal), accepted: answeredAt.size, final: finals.size, isDrained, audit };
}

/** The floor route under a closed loop. */
export function floorLoad(options: { pool: Pool; requests: number; concurrency: number; shoppers: Shopper[] }) {
  return closedLoop({
    pool: options.pool,
    count: options.requests,
    concurrency: options.concurrency,
    maxSeconds: 600,
    // The same cookie a Buy carries, so both requests cost the server the same to read.
    shot: (i) => ({ method: "POST", path: floorPath, cookie: options.shoppers[i % options.shoppers.length]!.cookie, labels: floorLabels }),
  });
}
